package io.github.soapdl4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bind-time memory warning: which parameters it flags, the bytes it quotes and the fix it prices. */
class StateBudgetTest {
    private static final Soap DEFAULTS = new Soap();

    private static String warning(DataType type, long... shape) {
        return new StateBudget(new ParamLayout("W", shape, 'f'), DEFAULTS, type).warning("parameter 'W'", DEFAULTS);
    }

    @Test
    void squareDenseLayerAboveTheFactorLimitLosesEverySide() {
        StateBudget b = new StateBudget(new ParamLayout("W", new long[] {8000, 8000}, 'f'), DEFAULTS, DataType.FLOAT);
        long n = 64_000_000L;
        assertEquals(4 * (13 + 2 * n + 2 * 2 * n), b.soapBytes(), "13 + 2n + sum 2 d^2 cells of 4 bytes");
        assertEquals(4 * 2 * n, b.adamBytes());
        String w = warning(DataType.FLOAT, 8000, 8000);
        assertTrue(w.contains("parameter 'W' of shape [8000, 8000] gets 1.4 GiB of SOAP state in FLOAT, 3.0x Adam's "
                + "488.3 MiB, with a factor of 8000 x 8000 (above 4096"), w);
        assertTrue(w.contains("maxPreconditionDim(4096) for this layer leaves the 8000 and 8000 sides "
                + "unpreconditioned: nothing is preconditioned then"), w);
    }

    @Test
    void wideSideAboveTheFactorLimitLeavesOneSidedPreconditioning() {
        String w = warning(DataType.FLOAT, 8000, 16);
        // 13 + 2 * 128000 + 2 * 256 cells = 256525 cells = 1002.1 KiB.
        assertTrue(w.contains("maxPreconditionDim(4096) for this layer leaves the 8000 side unpreconditioned: "
                + "one-sided preconditioning of the 16 side, 1002.1 KiB of state."), w);
    }

    @Test
    void embeddingJustUnderTheDefaultMaximumCostsFiftyAdams() {
        String w = warning(DataType.FLOAT, 9999, 200);
        // 13 + 2 * 1999800 + 2 * (9999^2 + 200^2) = 204039615 cells (816158460 bytes = 778.3 MiB) against
        // Adam's 3999600: 51.0x.
        assertTrue(w.contains("gets 778.3 MiB of SOAP state in FLOAT, 51.0x Adam's 15.3 MiB, with a factor of "
                + "9999 x 9999"), w);
        assertTrue(w.contains("leaves the 9999 side unpreconditioned: one-sided preconditioning of the 200 side"), w);
    }

    @Test
    void manyAdamsAboveTheFloorIsFlaggedWithoutALargeFactor() {
        // [3000, 16]: 13 + 96000 + 2 * (9000000 + 256) = 18096525 cells = 69.0 MiB, 188x Adam's.
        String w = warning(DataType.FLOAT, 3000, 16);
        assertTrue(w.contains("69.0 MiB") && w.contains("188.5x") && w.contains("above 8x Adam's and 64.0 MiB"), w);
        assertTrue(w.contains("maxPreconditionDim(2999) for this layer leaves the 3000 side unpreconditioned: "
                + "one-sided preconditioning of the 16 side"), w);
    }

    @Test
    void doublePrecisionDoublesTheBytes() {
        assertTrue(warning(DataType.DOUBLE, 8000, 8000).contains("gets 2.9 GiB of SOAP state in DOUBLE, 3.0x Adam's "
                + "976.6 MiB"));
    }

    @Test
    void ordinaryLayersPass() {
        // MLP 784-512-512-10: the output layer costs 52x Adam's but only 2.0 MiB, under the 64 MiB floor.
        assertNull(warning(DataType.FLOAT, 784, 512));
        assertNull(warning(DataType.FLOAT, 512, 512));
        assertNull(warning(DataType.FLOAT, 512, 10));
        assertNull(warning(DataType.FLOAT, 512));
        assertNull(warning(DataType.DOUBLE, 4096, 4096), "the limit itself passes");
        assertTrue(warning(DataType.FLOAT, 4097, 2) != null, "one above it does not");
    }

    @Test
    void bytesAreHumanReadable() {
        assertEquals("384 B", StateBudget.bytes(384));
        assertEquals("1.2 KiB", StateBudget.bytes(1236));
        assertEquals("1.4 GiB", StateBudget.bytes(1_536_000_052L));
    }
}
