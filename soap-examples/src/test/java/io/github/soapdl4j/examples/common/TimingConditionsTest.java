package io.github.soapdl4j.examples.common;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The process conditions every timed run shares (docs/timing.md). */
class TimingConditionsTest {

    @Test
    void oneParkedDaemonThreadLivesOnAfterItsNd4jOp() throws Exception {
        String line = TimingConditions.establish();
        Thread t = TimingConditions.thread();
        assertTrue(line.contains("docs/timing.md"), line);
        assertEquals(TimingConditions.THREAD_NAME, t.getName());
        assertTrue(t.isDaemon(), "must not keep the JVM alive");
        Thread.sleep(50);
        assertTrue(t.isAlive(), "a thread that ended would not hold the OpenMP state");
        assertEquals(Thread.State.WAITING, t.getState(), "parked, not spinning");
        TimingConditions.establish();
        assertSame(t, TimingConditions.thread(), "one thread per JVM");
    }

    @Test
    void orderAlternatesWhichOptimizerRunsFirst() {
        List<Optimizer> both = List.of(Optimizer.SOAP, Optimizer.ADAM);
        assertEquals(both, TimingConditions.order(both, 0));
        assertEquals(List.of(Optimizer.ADAM, Optimizer.SOAP), TimingConditions.order(both, 1));
        assertEquals(both, TimingConditions.order(both, 2));
        assertEquals(List.of(Optimizer.ADAM), TimingConditions.order(List.of(Optimizer.ADAM), 1));
    }

    @Test
    void warmUpRunsEveryOptimizerWithTheGivenSteps() throws Exception {
        List<String> calls = new ArrayList<>();
        TimingConditions.warmUp(List.of(Optimizer.SOAP, Optimizer.ADAM), 3, (o, n) -> calls.add(o.label() + n));
        assertEquals(List.of("soap3", "adam3"), calls);
        TimingConditions.warmUp(List.of(Optimizer.SOAP), 0, (o, n) -> calls.add("none"));
        assertEquals(2, calls.size());
    }
}
