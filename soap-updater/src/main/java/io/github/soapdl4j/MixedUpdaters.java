package io.github.soapdl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the trainable parameters of a network that do not use {@link Soap} while others do. Deeplearning4j
 * 1.0.0-M2.1's {@code FineTuneConfiguration} sets the updater of plain layers only: a layer wrapped in
 * {@code LastTimeStep} or {@code Bidirectional} keeps the one it had (see docs/fine-tuning.md). Parameters that
 * are never updated are not reported: those with a {@link NoOp} updater (frozen layers, batch-norm statistics)
 * and those of {@link FrozenLayerWithBackprop}, whose gradients are zeroed.
 */
final class MixedUpdaters {
    private MixedUpdaters() {
    }

    /**
     * @return the warning naming every trainable parameter that uses another updater, one layer per line; null
     *         when no parameter uses Soap or every trainable one does
     */
    static String warning(Layer[] layers) {
        boolean anySoap = false;
        Map<String, List<String>> others = new LinkedHashMap<>();
        for (Layer layer : layers) {
            TrainingConfig config = layer.getConfig();
            if (config == null || layer.paramTable(false) == null || layer instanceof FrozenLayerWithBackprop) {
                continue;
            }
            for (String param : layer.paramTable(false).keySet()) {
                IUpdater u = config.getUpdaterByParam(param);
                if (u instanceof Soap) {
                    anySoap = true;
                } else if (u != null && !(u instanceof NoOp)) {
                    others.computeIfAbsent("layer '" + config.getLayerName() + "' (" + kind(layer) + ") uses "
                            + u.getClass().getSimpleName() + " for", k -> new ArrayList<>()).add(param);
                }
            }
        }
        if (!anySoap || others.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder("Soap.bind: this network mixes Soap with other updaters; these "
                + "trainable parameters do not use Soap:");
        others.forEach((layer, params) -> sb.append("\n  ").append(layer).append(' ')
                .append(String.join(", ", params)));
        sb.append("\nIf that is not intended (FineTuneConfiguration does not reach layers inside LastTimeStep or "
                + "Bidirectional wrappers), set Soap on those layers' configurations before Soap.bind.");
        return sb.toString();
    }

    /** @return the runtime layer's class, and the wrapped layer's for wrappers, e.g. {@code LastTimeStepLayer(LSTM)} */
    private static String kind(Layer layer) {
        String name = layer.getClass().getSimpleName();
        if (layer instanceof org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer) {
            Layer inner = ((org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer) layer).getUnderlying();
            return name + "(" + kind(inner) + ")";
        }
        return name;
    }
}
