package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.internal.config.EngineConfig;
import dev.tproxy.socket.api.HandleParking;
import dev.tproxy.socket.api.TransparentSocketService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/** Runs the {@link RelayEngine} as a DS component, configured by PID {@value EngineConfig#PID} (optional). */
@Component(name = EngineConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, service = RelayEngineComponent.class)
@Designate(ocd = EngineConfig.class)
public final class RelayEngineComponent {
    private final RelayEngine engine;
    private final AsyncEventLog log;

    @Activate
    public RelayEngineComponent(@Reference TransparentSocketService sockets, @Reference HandleParking parking,
            @Reference(service = LoggerFactory.class) Logger logger, EngineConfig config) {
        this.log = new AsyncEventLog(new OsgiEventLog(logger));
        this.engine = RelayEngine.from(sockets, parking, log, config);
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
