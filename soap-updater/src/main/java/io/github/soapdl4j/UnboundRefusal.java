package io.github.soapdl4j;

/**
 * The refusal of a {@link Soap} that was never bound, worded for the API that trains it. The same
 * {@link SoapUpdater} serves Deeplearning4j's networks and SameDiff graphs, and neither tells an updater which
 * one calls it; the stack of the failing call does, and it is read only on this failure path.
 */
final class UnboundRefusal {
    static final String NETWORK_MESSAGE = SoapUpdater.UNBOUND_MESSAGE;
    static final String SAMEDIFF_MESSAGE = "This Soap updater has no variable layout. SOAP needs every variable's "
            + "shape, which SameDiff's updater configuration does not carry: call Soap.bind(sd) after "
            + "sd.setTrainingConfig(...) and before sd.fit(...) (a graph loaded with SameDiff.load(file, true) "
            + "from a bound one needs no second call).";

    private static final String SAMEDIFF_PACKAGE = "org.nd4j.autodiff.samediff.";

    private UnboundRefusal() {
    }

    /** @return the refusal for the current caller: SameDiff's training loop, or a Deeplearning4j network */
    static IllegalStateException forCaller() {
        boolean sameDiff = StackWalker.getInstance().walk(frames ->
                frames.anyMatch(f -> f.getClassName().startsWith(SAMEDIFF_PACKAGE)));
        return new IllegalStateException(sameDiff ? SAMEDIFF_MESSAGE : NETWORK_MESSAGE);
    }
}
