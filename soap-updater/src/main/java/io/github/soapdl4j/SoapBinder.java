package io.github.soapdl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Implements {@link Soap#bind}: walks a network's layers (and a graph's vertices that hold parameters), and gives
 * every layer's {@code Soap} configuration a copy of itself that carries the layouts of the parameters it updates.
 *
 * <p>Within a layer the parameters that map to one {@code Soap} instance must form runs with identical
 * shapes (usually a single run: all of a layer's parameters, or its weights and its biases separately),
 * because Deeplearning4j splits blocks only where the configuration changes. Each layer gets its own copy,
 * which also undoes the sharing of one instance that {@code FineTuneConfiguration} sets up.
 *
 * <p>Binding also checks each configuration's values and logs warnings (logger {@code io.github.soapdl4j.Soap}):
 * one per parameter whose state is out of proportion ({@link StateBudget}), and one listing the trainable
 * parameters that use another updater when the network mixes them ({@link MixedUpdaters}).
 */
final class SoapBinder {
    private static final Logger LOG = LoggerFactory.getLogger(Soap.class);

    private SoapBinder() {
    }

    static void bind(MultiLayerNetwork net) {
        if (net.getLayers() == null || net.params() == null) {
            throw new IllegalStateException("Soap.bind(net) needs an initialized network: call net.init() first");
        }
        requireSupportedType(net.params().dataType());
        if (bindLayers(net.getLayers(), net.params().dataType()) && net.getUpdater(false) != null) {
            net.setUpdater(null); // its blocks were laid out from the unbound configurations
        }
        warnAboutOtherUpdaters(net.getLayers());
    }

    static void bind(ComputationGraph graph) {
        if (graph.getLayers() == null || graph.params() == null) {
            throw new IllegalStateException("Soap.bind(graph) needs an initialized graph: call graph.init() first");
        }
        requireSupportedType(graph.params().dataType());
        if (bindLayers(trainables(graph), graph.params().dataType()) && graph.getUpdater(false) != null) {
            graph.setUpdater(null);
        }
        warnAboutOtherUpdaters(graph.getLayers());
    }

    private static void warnAboutOtherUpdaters(Layer[] layers) {
        String warning = MixedUpdaters.warning(layers);
        if (warning != null) {
            LOG.warn(warning);
        }
    }

    /**
     * Deeplearning4j keeps updater state in the network's data type. Half precision cannot hold SOAP's state:
     * factors are squared gradients (they overflow or flush to zero in 5 exponent bits) and LAPACK has no
     * half-precision eigen or QR routines. Such networks are refused rather than trained on garbage.
     */
    static void requireSupportedType(DataType type) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("Soap supports FLOAT and DOUBLE networks, not " + type + ": its state "
                    + "(squared-gradient factors and their eigenbases) lives in the network's data type, where "
                    + type + " overflows and has no LAPACK routines. Train in FLOAT (net.convertDataType("
                    + "DataType.FLOAT)) and convert afterwards.");
        }
    }

    /** @return whether any configuration changed */
    private static boolean bindLayers(Trainable[] layers, DataType type) {
        requireValidSettings(layers); // before any layer's configuration is replaced
        boolean changed = false;
        RefreshScheduler scheduler = new RefreshScheduler();
        for (Trainable layer : layers) {
            changed |= bindLayer(layer, scheduler, type);
        }
        return changed;
    }

    /**
     * What the graph's updater updates, in its order: the layers, and the vertices that hold parameters without
     * being layers (a {@link SameDiffVertex}).
     */
    private static Trainable[] trainables(ComputationGraph graph) {
        List<Trainable> out = new ArrayList<>();
        GraphVertex[] vertices = graph.getVertices();
        for (int i : graph.topologicalSortOrder()) {
            GraphVertex v = vertices[i];
            if (v.hasLayer()) {
                out.add(v.getLayer());
            } else if (v.numParams() > 0) {
                out.add(v);
            }
        }
        return out.toArray(new Trainable[0]);
    }

    private static boolean bindLayer(Trainable layer, RefreshScheduler scheduler, DataType type) {
        TrainingConfig config = layer.getConfig();
        Map<String, INDArray> params = layer.paramTable(false);
        if (config == null || params == null || params.isEmpty()) {
            return false;
        }
        String layerName = config.getLayerName();
        Map<Soap, List<List<ParamLayout>>> runs = new IdentityHashMap<>();
        List<Soap> order = new ArrayList<>();
        Soap previous = null;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            IUpdater u = config.getUpdaterByParam(e.getKey());
            if (!(u instanceof Soap)) {
                previous = null;
                continue;
            }
            Soap soap = (Soap) u;
            ParamLayout layout = ParamLayout.of(e.getKey(), e.getValue());
            List<List<ParamLayout>> soapRuns = runs.computeIfAbsent(soap, s -> {
                order.add(s);
                return new ArrayList<>();
            });
            if (soap != previous) {
                soapRuns.add(new ArrayList<>());
            }
            soapRuns.get(soapRuns.size() - 1).add(layout);
            previous = soap;
        }

        boolean changed = false;
        for (Soap soap : order) {
            List<ParamLayout> run = commonRun(layerName, runs.get(soap));
            warnAboutSize(layerName, run, soap, type);
            if (run.equals(soap.getLayout())) {
                scheduler.account(soap);
                continue;
            }
            Soap bound = scheduler.place(soap.withLayout(run));
            Object layerConf = layer instanceof Layer && ((Layer) layer).conf() != null
                    ? ((Layer) layer).conf().getLayer() : config;
            if (replace(layerConf, soap, bound) == 0 && (layerConf == config || replace(config, soap, bound) == 0)) {
                throw new IllegalArgumentException("Soap.bind cannot describe layer '" + layerName + "' ("
                        + config.getClass().getSimpleName() + "): parameter '" + run.get(0).getName()
                        + "' uses Soap, but its configuration is of a kind Soap.bind does not know how to update");
            }
            for (ParamLayout p : run) {
                if (config.getUpdaterByParam(p.getName()) != bound) {
                    throw new IllegalArgumentException("Soap.bind cannot describe layer '" + layerName + "' ("
                            + config.getClass().getSimpleName() + "): parameter '" + p.getName()
                            + "' did not take the bound configuration");
                }
            }
            changed = true;
        }
        return changed;
    }

    /** A configuration loaded from JSON or Java serialization has not been through the builder's checks. */
    private static void requireValidSettings(Trainable[] layers) {
        for (Trainable layer : layers) {
            TrainingConfig config = layer.getConfig();
            Map<String, INDArray> params = layer.paramTable(false);
            if (config == null || params == null) {
                continue;
            }
            for (String param : params.keySet()) {
                IUpdater u = config.getUpdaterByParam(param);
                if (!(u instanceof Soap)) {
                    continue;
                }
                try {
                    ((Soap) u).validateSettings();
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("Layer '" + config.getLayerName() + "' parameter '" + param
                            + "': " + e.getMessage(), e);
                }
            }
        }
    }

    private static void warnAboutSize(String layerName, List<ParamLayout> run, Soap soap, DataType type) {
        for (ParamLayout p : run) {
            String warning = new StateBudget(p, soap, type).warning("layer '" + layerName + "' parameter '"
                    + p.getName() + "'", soap);
            if (warning != null) {
                LOG.warn(warning);
            }
        }
    }

    /** All runs of one instance in a layer must look alike, since the updater sees them as repeats of one. */
    private static List<ParamLayout> commonRun(String layerName, List<List<ParamLayout>> runs) {
        List<ParamLayout> first = runs.get(0);
        for (List<ParamLayout> run : runs.subList(1, runs.size())) {
            boolean same = run.size() == first.size();
            for (int i = 0; same && i < run.size(); i++) {
                same = run.get(i).sameGeometry(first.get(i));
            }
            if (!same) {
                throw new IllegalArgumentException("Soap.bind cannot describe layer '" + layerName + "': parameters "
                        + first + " and " + run + " share one Soap configuration but are separated by parameters "
                        + "with another updater. Give those parameters Soap too, or none of them.");
            }
        }
        return first;
    }

    /** Replaces every reference to {@code old} in a layer configuration; @return how many were replaced. */
    private static int replace(Object conf, Soap old, Soap bound) {
        int n = 0;
        if (conf instanceof BaseLayer) {
            BaseLayer b = (BaseLayer) conf;
            if (b.getIUpdater() == old) {
                b.setIUpdater(bound);
                n++;
            }
            if (b.getBiasUpdater() == old) {
                b.setBiasUpdater(bound);
                n++;
            }
        }
        if (conf instanceof AbstractSameDiffLayer) {
            AbstractSameDiffLayer s = (AbstractSameDiffLayer) conf;
            if (s.getUpdater() == old) {
                s.setUpdater(bound);
                n++;
            }
            if (s.getBiasUpdater() == old) {
                s.setBiasUpdater(bound);
                n++;
            }
        }
        if (conf instanceof SameDiffVertex) {
            SameDiffVertex v = (SameDiffVertex) conf;
            if (v.getUpdater() == old) {
                v.setUpdater(bound);
                n++;
            }
            if (v.getBiasUpdater() == old) {
                v.setBiasUpdater(bound);
                n++;
            }
        }
        if (conf instanceof BaseWrapperLayer) {
            n += replace(((BaseWrapperLayer) conf).getUnderlying(), old, bound);
        }
        if (conf instanceof FrozenLayer) {
            n += replace(((FrozenLayer) conf).getLayer(), old, bound);
        }
        if (conf instanceof Bidirectional) {
            n += replace(((Bidirectional) conf).getFwd(), old, bound);
            n += replace(((Bidirectional) conf).getBwd(), old, bound);
        }
        return n;
    }
}
