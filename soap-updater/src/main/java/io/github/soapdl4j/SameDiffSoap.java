package io.github.soapdl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Map;
import java.util.Objects;

/**
 * The updater configuration that {@link Soap#bind(org.nd4j.autodiff.samediff.SameDiff)} puts into a SameDiff
 * graph's {@link org.nd4j.autodiff.samediff.TrainingConfig}: a {@link Soap} bound to every trainable variable of
 * the graph. Not built by hand.
 *
 * <p>SameDiff differs from Deeplearning4j's networks in two ways that need their own updater: one configuration
 * serves every variable (so the layout lists all of them, not one layer's run), and each variable's
 * {@link org.nd4j.linalg.learning.GradientUpdater} gets its own state array and is told its variable's shape,
 * except when SameDiff rebuilds it from a saved state map ({@link SameDiffSoapUpdater} keeps the shape there).
 * It travels with the training configuration's JSON, so a graph loaded from a checkpoint needs no second bind.
 */
public final class SameDiffSoap implements IUpdater {
    private static final long serialVersionUID = 1L;

    @JsonProperty
    private Soap soap;

    /** For JSON deserialization. */
    private SameDiffSoap() {
    }

    SameDiffSoap(Soap boundToEveryVariable) {
        this.soap = Objects.requireNonNull(boundToEveryVariable);
    }

    /** @return the bound {@link Soap}: its hyperparameters and the layouts of the graph's trainable variables */
    public Soap getSoap() {
        return soap;
    }

    /** {@inheritDoc} Largest state of the variables of that length, as {@link Soap#stateSize(long)}. */
    @Override
    public long stateSize(long numParams) {
        for (ParamLayout p : soap.getLayout()) {
            if (p.length() == numParams) {
                return soap.stateSize(numParams);
            }
        }
        // Soap's own refusal names Soap.bind(net); a graph is repaired with Soap.bind(sd).
        throw new IllegalStateException("Soap is bound to SameDiff variables " + soap.getLayout() + " but was "
                + "asked for the state of a variable of " + numParams + " elements: the graph changed after "
                + "Soap.bind(sd). Call Soap.bind(sd) again.");
    }

    @Override
    public GradientUpdater<SameDiffSoap> instantiate(INDArray viewArray, boolean initializeViewArray) {
        // SameDiff follows this with setStateViewArray(view, shape, order, true), which names the variable.
        return new SameDiffSoapUpdater(this, viewArray);
    }

    @Override
    public GradientUpdater<SameDiffSoap> instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        SameDiffSoapUpdater updater = new SameDiffSoapUpdater(this, null);
        updater.setState(updaterState, initializeStateArrays);
        return updater;
    }

    @Override
    public SameDiffSoap clone() {
        return new SameDiffSoap(soap.clone());
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return soap.getLearningRate(iteration, epoch);
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        soap.setLrAndSchedule(lr, lrSchedule);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SameDiffSoap && soap.equals(((SameDiffSoap) o).soap);
    }

    @Override
    public int hashCode() {
        return 31 * soap.hashCode() + 7;
    }

    @Override
    public String toString() {
        return "SameDiffSoap(" + soap + ")";
    }
}
