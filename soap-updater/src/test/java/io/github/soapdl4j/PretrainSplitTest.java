package io.github.soapdl4j;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A block that holds part of a layer's bound run (DL4J's pretraining split) finds that part by its state. */
class PretrainSplitTest {
    private final List<ParamLayout> run = List.of(
            new ParamLayout("W", new long[] {5, 6}, 'f'),
            new ParamLayout("b", new long[] {6}, 'c'),
            new ParamLayout("vb", new long[] {5}, 'c'));
    private final Soap soap = Soap.builder().build().withLayout(run);

    private long state(List<ParamLayout> params) {
        return params.stream().mapToLong(p -> soap.stateSize(p.length())).sum();
    }

    @Test
    void wholeRunsAndRepeatsStayWhole() {
        assertEquals(run, PretrainSplit.block(run, soap, state(run)));
        assertEquals(run, PretrainSplit.block(run, soap, 2 * state(run)));
    }

    @Test
    void prefixAndSuffixAreFoundByTheirState() {
        assertEquals(run.subList(0, 2), PretrainSplit.block(run, soap, state(run.subList(0, 2))));
        assertEquals(run.subList(2, 3), PretrainSplit.block(run, soap, state(run.subList(2, 3))));
    }

    @Test
    void noMatchLeavesTheRunForTheCallerToReport() {
        assertEquals(run, PretrainSplit.block(run, soap, state(run) + 1));
    }
}
