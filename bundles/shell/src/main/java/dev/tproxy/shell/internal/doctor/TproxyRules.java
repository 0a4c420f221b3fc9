package dev.tproxy.shell.internal.doctor;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The TPROXY rules found in {@code nft list ruleset} and {@code iptables-save} / {@code ip6tables-save} output:
 * which ports diverted traffic goes to, with which mark, per address family, whether replies to the proxy's
 * spoofed upstream sockets are marked ({@code socket transparent} / {@code -m socket --transparent}), and whether
 * that rule leaves SYNs to the TPROXY rule.
 */
final class TproxyRules {
    /** Stands for "the rule sets no mark". */
    static final long NO_MARK = -1;

    private static final Pattern NFT_TABLE = Pattern.compile("^table (\\S+) ");
    private static final Pattern NFT_TPROXY = Pattern.compile("\\btproxy(?: (ip6|ip))? to (?:\\[[^]]*]|[0-9.]*):(\\d+)");
    private static final Pattern NFT_MARK = Pattern.compile("\\bmark set (0x[0-9a-fA-F]+|\\d+)");
    private static final Pattern NFT_SOCKET = Pattern.compile("\\bsocket transparent 1\\b.*\\bmark set\\b");
    private static final Pattern IPT_TPROXY = Pattern.compile("^-A .*-j TPROXY .*--on-port (\\d+)");
    private static final Pattern IPT_MARK = Pattern.compile("--tproxy-mark (0x[0-9a-fA-F]+|\\d+)");
    private static final Pattern IPT_SOCKET = Pattern.compile("^-A .*-m socket --transparent");
    /** nft's {@code tcp flags != syn / syn,ack} (or {@code & (syn | ack) != syn}); iptables' {@code ! --syn}. */
    private static final Pattern NOT_SYN = Pattern.compile("\\btcp flags (?:& \\(syn \\| ack\\) )?!= syn\\b"
            + "|! --syn\\b|! --tcp-flags FIN,SYN,RST,ACK SYN\\b");

    private final Map<Integer, Map<Integer, Set<Long>>> marks = new HashMap<>();
    private final Set<Integer> replyMarking = new HashSet<>();
    private final Set<Integer> synsToSockets = new HashSet<>();
    private final Map<Integer, String> failsClosed = new HashMap<>();
    private static final Pattern NFT_REJECT = Pattern.compile("\\breject with tcp reset\\b");
    private static final Pattern NFT_NFPROTO = Pattern.compile("\\bmeta nfproto (ipv4|ipv6)\\b");

    private TproxyRules() {}

    /** Parses what could be read; pass null for a source that was unavailable. */
    static TproxyRules parse(String nft, String iptables, String ip6tables) {
        TproxyRules rules = new TproxyRules();
        if (nft != null) {
            rules.nft(nft);
        }
        if (iptables != null) {
            rules.iptables(iptables, 4);
        }
        if (ip6tables != null) {
            rules.iptables(ip6tables, 6);
        }
        return rules;
    }

    boolean diverts(int family, int port) {
        return marks.getOrDefault(family, Map.of()).containsKey(port);
    }

    /** The marks the rules diverting to {@code port} set ({@link #NO_MARK} for a rule that sets none). */
    Set<Long> marks(int family, int port) {
        return new TreeSet<>(marks.getOrDefault(family, Map.of()).getOrDefault(port, Set.of()));
    }

    boolean marksReplies(int family) {
        return replyMarking.contains(family);
    }

    /**
     * Whether a {@code socket transparent} rule also takes SYNs: a SYN that reuses the 4-tuple of a proxied
     * connection in TIME_WAIT then goes to that TIME_WAIT socket instead of the proxy's listener.
     */
    boolean socketRuleTakesSyns(int family) {
        return synsToSockets.contains(family);
    }

    /**
     * How a diverted SYN that no transparent listener takes is refused, by family: "reset" (an nft reject rule
     * after the tproxy rule) or "dropped" (iptables' TPROXY target drops it); absent: it passes unproxied.
     */
    String refusalWithoutListener(int family) {
        return failsClosed.get(family);
    }

    private void nft(String ruleset) {
        List<Integer> tableFamilies = List.of(4, 6);
        Set<Integer> divertedInTable = new HashSet<>();
        for (String line : ruleset.split("\n")) {
            Matcher table = NFT_TABLE.matcher(line);
            if (table.find()) {
                divertedInTable.clear();
                tableFamilies = switch (table.group(1)) {
                    case "ip" -> List.of(4);
                    case "ip6" -> List.of(6);
                    case "inet" -> List.of(4, 6);
                    default -> List.of();
                };
                continue;
            }
            Matcher tproxy = NFT_TPROXY.matcher(line);
            if (tproxy.find()) {
                List<Integer> families = tproxy.group(1) == null ? tableFamilies
                        : List.of(tproxy.group(1).equals("ip") ? 4 : 6);
                Matcher mark = NFT_MARK.matcher(line.substring(tproxy.end()));
                long value = mark.find() ? number(mark.group(1)) : NO_MARK;
                for (int family : families) {
                    add(family, Integer.parseInt(tproxy.group(2)), value);
                }
                divertedInTable.addAll(families);
            } else if (NFT_REJECT.matcher(line).find()) {
                Matcher nfproto = NFT_NFPROTO.matcher(line);
                List<Integer> families = nfproto.find() ? List.of(nfproto.group(1).equals("ipv4") ? 4 : 6) : tableFamilies;
                families.stream().filter(divertedInTable::contains).forEach(f -> failsClosed.put(f, "reset"));
            } else if (NFT_SOCKET.matcher(line).find()) {
                socketRule(line, tableFamilies);
            }
        }
    }

    private void iptables(String saved, int family) {
        for (String line : saved.split("\n")) {
            Matcher tproxy = IPT_TPROXY.matcher(line);
            if (tproxy.find()) {
                Matcher mark = IPT_MARK.matcher(line);
                add(family, Integer.parseInt(tproxy.group(1)), mark.find() ? number(mark.group(1)) : NO_MARK);
                failsClosed.putIfAbsent(family, "dropped");
            } else if (IPT_SOCKET.matcher(line).find()) {
                socketRule(line, List.of(family));
            }
        }
    }

    private void socketRule(String line, List<Integer> families) {
        replyMarking.addAll(families);
        if (!NOT_SYN.matcher(line).find()) {
            synsToSockets.addAll(families);
        }
    }

    private void add(int family, int port, long mark) {
        marks.computeIfAbsent(family, f -> new HashMap<>()).computeIfAbsent(port, p -> new HashSet<>()).add(mark);
    }

    private static long number(String text) {
        return text.startsWith("0x") || text.startsWith("0X") ? Long.parseLong(text.substring(2), 16) : Long.parseLong(text);
    }
}
