package io.github.soapdl4j.examples.bench;

import io.github.soapdl4j.Soap;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The yardstick of TorchReferenceBenchmark computes what the updater computes: on a float64 layer whose factors
 * have full rank, the two trajectories agree to rounding through four refreshes (measured: 1e-13 of the movement
 * for the weight, 2e-16 for the bias, at width 64).
 */
class TorchSoapReferenceTest {

    @Test
    void referenceOnLibtorchFollowsTheUpdatersTrajectory() {
        Soap soap = new Soap();
        PairedSoapRun run = PairedSoapRun.squareFloat64(48, soap);
        run.run(41);
        assertEquals(40, run.referenceSteps(), "the first call builds the bases; each later call is a step");
        Map<String, double[]> agreement = run.agreement();
        assertEquals(2, agreement.size());
        agreement.forEach((param, apartAndMoved) -> {
            assertTrue(apartAndMoved[1] > 0.1, param + " moved " + apartAndMoved[1]);
            assertTrue(apartAndMoved[0] < 1e-11, param + ": apart by " + apartAndMoved[0] + " of its movement");
        });
    }

    @Test
    void aDifferentRefreshFrequencyPartsTheTrajectories() {
        // The check above can fail: a reference that refreshes on other steps ends elsewhere.
        Soap soap = new Soap();
        PairedSoapRun run = PairedSoapRun.squareFloat64(48, soap, Soap.builder().preconditionFrequency(7).build());
        run.run(41);
        assertTrue(run.agreement().get("0_W")[0] > 1e-3);
    }
}
