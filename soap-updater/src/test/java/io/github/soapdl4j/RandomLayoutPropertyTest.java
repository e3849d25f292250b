package io.github.soapdl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties that must hold for any parameter layout, checked on layouts drawn at random (one seed per case, so a
 * failure names the case that reproduces it): parameters of rank 1 to 4 with dimensions 1 to 64 in either memory
 * order, {@code mergeDims} and {@code precondition1d} on or off, a random {@code maxPreconditionDim} and refresh
 * frequency. Over 1,000 float32 steps of random gradients (some of them zero or of rank one) every update is
 * finite, every basis stays orthonormal to 1e-4, the state size is the documented formula, and an updater rebuilt
 * half-way from the serialized configuration and a copy of the state continues bit for bit.
 */
class RandomLayoutPropertyTest {
    private static final int STEPS = 1000;
    private static final int CHECKPOINT_AT = 500;
    private static final int CHECKPOINT_STEPS = 40;
    private static final double ORTHONORMALITY = 1e-4;

    static IntStream seeds() {
        return IntStream.range(0, 12);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomLayoutsKeepTheirInvariants(int seed) throws Exception {
        Random random = new Random(seed);
        Soap soap = randomConfig(random).withLayout(randomLayout(random));
        String description = "seed " + seed + ": " + soap + " " + soap.getLayout();

        long stateLength = 0;
        long paramLength = 0;
        for (ParamLayout p : soap.getLayout()) {
            PreconditionedShape shape = soap.shapeOf(p);
            long factors = 0;
            for (int k = 0; k < shape.rank(); k++) {
                factors += shape.isPreconditioned(k) ? 2L * shape.dim(k) * shape.dim(k) : 0;
            }
            assertEquals(StateLayout.HEADER + 2 * p.length() + factors, soap.stateSize(p.length()), description);
            stateLength += soap.stateSize(p.length());
            paramLength += p.length();
        }

        INDArray state = Nd4j.create(DataType.FLOAT, stateLength);
        SoapUpdater updater = soap.instantiate(state, true);
        Nd4j.getRandom().setSeed(seed);
        for (int step = 0; step < STEPS; step++) {
            INDArray gradient = randomGradient(random, soap.getLayout(), paramLength);
            updater.applyUpdater(gradient, step, 0);
            assertTrue(new Nd4jKernels().allFinite(gradient), description + " step " + step + " update not finite");
            if (step % 100 == 99 || step == STEPS - 1) {
                assertOrthonormal(updater, description + " step " + step);
            }
            if (step == CHECKPOINT_AT) {
                assertCheckpointContinuesExactly(soap, updater, state, random, paramLength, description);
            }
        }
        assertTrue(new Nd4jKernels().allFinite(state), description + " state not finite");
    }

    /** A copy of the configuration (through its JSON) and of the state must continue exactly as the original. */
    private static void assertCheckpointContinuesExactly(Soap soap, SoapUpdater original, INDArray state,
                                                         Random random, long paramLength, String description)
            throws Exception {
        String json = NeuralNetConfiguration.mapper().writeValueAsString(soap);
        Soap restoredConfig = (Soap) NeuralNetConfiguration.mapper().readValue(json, IUpdater.class);
        assertEquals(soap, restoredConfig, description);
        INDArray restoredState = state.dup();
        SoapUpdater restored = restoredConfig.instantiate(restoredState, false);
        for (int i = 0; i < CHECKPOINT_STEPS; i++) {
            INDArray g = randomGradient(random, soap.getLayout(), paramLength);
            INDArray h = g.dup();
            original.applyUpdater(g, CHECKPOINT_AT + 1 + i, 0);
            restored.applyUpdater(h, CHECKPOINT_AT + 1 + i, 0);
            assertArrayEquals(g.toFloatVector(), h.toFloatVector(), 0f, description + " update after restore");
        }
        assertArrayEquals(state.toFloatVector(), restoredState.toFloatVector(), 0f,
                description + " state after restore");
    }

    private static void assertOrthonormal(SoapUpdater updater, String description) {
        List<ParameterStep> params = updater.parameters();
        List<ParamLayout> layout = updater.getConfig().getLayout();
        for (int i = 0; i < params.size(); i++) {
            ParamLayout p = layout.get(i % layout.size());
            for (ParameterStats.FactorStats f : SoapStats.describe(params.get(i), "layer", p.getName(), p)
                    .getFactors()) {
                assertTrue(f.getOrthonormalityError() <= ORTHONORMALITY,
                        description + " " + p + " basis of dim " + f.getDim() + " off by "
                                + f.getOrthonormalityError());
            }
        }
    }

    private static Soap randomConfig(Random random) {
        return Soap.builder()
                .learningRate(1e-3 * (1 + random.nextInt(10)))
                .preconditionFrequency(1 + random.nextInt(20))
                .maxPreconditionDim(1 + random.nextInt(80))
                .mergeDims(random.nextBoolean())
                .precondition1d(random.nextBoolean())
                .normalizeGradients(random.nextInt(4) == 0)
                .build();
    }

    /** One to three parameters of rank 1 to 4, dimensions 1 to 64, at most 4,096 elements each. */
    private static List<ParamLayout> randomLayout(Random random) {
        List<ParamLayout> layout = new ArrayList<>();
        int count = 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
            int rank = 1 + random.nextInt(4);
            long[] shape = new long[rank];
            long length;
            do {
                for (int k = 0; k < rank; k++) {
                    shape[k] = 1 + random.nextInt(random.nextBoolean() ? 64 : 8);
                }
                length = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            } while (length > 4096);
            char order = rank > 1 && random.nextBoolean() ? 'f' : 'c';
            layout.add(new ParamLayout("p" + i, shape, order));
        }
        return layout;
    }

    /**
     * Mostly Gaussian gradients of varying scale; now and then an all-zero one (a dead unit) or one of rank one
     * in every unfolding (a factor that stays rank-deficient).
     */
    private static INDArray randomGradient(Random random, List<ParamLayout> layout, long length) {
        int kind = random.nextInt(20);
        if (kind == 0) {
            return Nd4j.zeros(DataType.FLOAT, length);
        }
        INDArray g = Nd4j.randn(DataType.FLOAT, length).muli(Math.pow(10, random.nextInt(5) - 2));
        if (kind == 1) {
            // The same value everywhere: every unfolding has rank one.
            g.assign(g.getDouble(0));
        }
        return g;
    }
}
