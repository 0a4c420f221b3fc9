package dev.tproxy.proxy.internal.engine;

import dev.tproxy.logfile.api.AccessLog;
import dev.tproxy.proxy.internal.config.ConfigurationError;
import dev.tproxy.proxy.internal.config.EngineConfig;
import dev.tproxy.proxy.internal.config.EngineSettings;
import dev.tproxy.socket.api.HandleParking;
import dev.tproxy.socket.api.TransparentSocketService;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Runs the {@link RelayEngine} as a DS component, configured by PID {@value EngineConfig#PID} (optional). A new
 * configuration restarts it in place (connections are parked and carried over); a configuration with a bad value is
 * refused by the field's name and the engine runs on with the settings it had.
 */
@Component(name = EngineConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, service = RelayEngineComponent.class)
@Designate(ocd = EngineConfig.class)
public final class RelayEngineComponent {
    private final RelayEngine engine;
    private final AsyncEventLog log;

    @Activate
    public RelayEngineComponent(@Reference TransparentSocketService sockets, @Reference HandleParking parking,
            @Reference(service = LoggerFactory.class) Logger logger, EngineConfig config) {
        this.log = new AsyncEventLog(new OsgiEventLog(logger));
        EngineSettings settings = settingsInForce(config, parking, log);
        try {
            this.engine = new RelayEngine(sockets, parking, settings, log);
        } catch (RuntimeException e) {
            log.error("relay engine could not start", e);
            log.close();
            throw e;
        }
        RelayParking.keepEngineSettings(parking, settings.describe());
    }

    /** The configured settings if they are valid; else those in force before (or the defaults), with a warning. */
    static EngineSettings settingsInForce(EngineConfig config, HandleParking parking, EventLog log) {
        Optional<Map<String, String>> previous = RelayParking.claimEngineSettings(parking);
        try {
            return EngineSettings.from(config);
        } catch (ConfigurationError e) {
            EngineSettings kept = previous.map(EngineSettings::from).orElseGet(() -> EngineSettings.from(Map.of()));
            log.warn("relay engine: rejected configuration: " + e.getMessage() + "; keeping "
                    + (previous.isPresent() ? "the previous configuration " : "the default configuration ") + kept.describe());
            return kept;
        }
    }

    /** The access log file, when the logfile bundle runs; until then (and without it) the lines go to the Log Service. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindAccessLog(AccessLog accessLog) {
        log.accessLog(accessLog);
    }

    void unbindAccessLog(AccessLog accessLog) {
        log.accessLogGone(accessLog);
    }

    public RelayEngine engine() {
        return engine;
    }

    /** Whatever the reason (update, stop, new engine configuration), connections are parked, not closed. */
    @Deactivate
    void deactivate() {
        engine.parkAndStop();
        log.close();
    }
}
