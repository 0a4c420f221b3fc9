package dev.tproxy.proxy.internal.connections;

import dev.tproxy.proxy.api.Liveness;
import dev.tproxy.proxy.internal.engine.RelayEngineComponent;
import java.util.concurrent.CompletionStage;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@link Liveness} of the engine in force (a new engine configuration brings a new one, and with it this). */
@Component(service = Liveness.class)
public final class LivenessService implements Liveness {
    private final RelayEngineComponent engine;

    @Activate
    public LivenessService(@Reference RelayEngineComponent engine) {
        this.engine = engine;
    }

    @Override
    public CompletionStage<Void> probe() {
        return engine.engine().probeLoops();
    }
}
