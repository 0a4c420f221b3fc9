package dev.tproxy.shell.internal.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class TproxyRulesTest {

    @Test
    void nftRulesByFamilyPortAndMark() {
        TproxyRules rules = TproxyRules.parse(FakeHostProbe.NFT_RULESET, null, null);
        assertTrue(rules.diverts(4, 9876));
        assertTrue(rules.diverts(6, 9876));
        assertFalse(rules.diverts(4, 80));
        assertEquals(Set.of(1L), rules.marks(4, 9876));
        assertTrue(rules.marksReplies(4));
        assertTrue(rules.marksReplies(6));
    }

    @Test
    void aRuleWithoutFamilyTakesItsTablesAndAnAddressBeforeThePortIsAllowed() {
        TproxyRules rules = TproxyRules.parse("table ip filter {\n chain p {\n  tcp dport 80 tproxy to 127.0.0.1:8080\n"
                + " }\n}\ntable ip6 other {\n chain p {\n  tcp dport 80 tproxy to [::1]:8081 meta mark set 7\n }\n}\n",
                null, null);
        assertEquals(Set.of(TproxyRules.NO_MARK), rules.marks(4, 8080));
        assertFalse(rules.diverts(6, 8080));
        assertEquals(Set.of(7L), rules.marks(6, 8081));
        assertFalse(rules.marksReplies(4));
    }

    @Test
    void iptablesSaveOutput() {
        TproxyRules rules = TproxyRules.parse(null, "-A PREROUTING -p tcp -j TPROXY --on-port 9876 --on-ip 0.0.0.0 "
                + "--tproxy-mark 0x2/0xffffffff\n", "-A X -m socket --transparent -j Y\n");
        assertEquals(Set.of(2L), rules.marks(4, 9876));
        assertFalse(rules.diverts(6, 9876));
        assertTrue(rules.marksReplies(6));
        assertFalse(rules.marksReplies(4));
    }
}
