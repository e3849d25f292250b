package io.github.soapdl4j.examples.common;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The closing table over seeds, on hand-made records whose figures are known. */
class ComparisonTest {

    /** A run evaluated every 10 steps (one second of training each) with the given held-out losses. */
    private static RunRecord run(String name, double... losses) {
        RunRecord r = new RunRecord(name);
        for (int i = 0; i < losses.length; i++) {
            r.addEvaluation(10 * i, 0, losses[i], 0.5 + 0.01 * i, i);
        }
        return r;
    }

    @Test
    void bestIsTheLowestHeldOutLossAndItsStep() {
        RunRecord r = run("soap", 2.0, 0.5, 0.4, 0.6);
        assertEquals(0.4, r.best().loss());
        assertEquals(20, r.best().iteration());
        assertEquals(0.6, r.last().loss());
    }

    @Test
    void closingTableGivesMediansRangesAndRatiosPerSeed() {
        Map<Long, List<RunRecord>> bySeed = new LinkedHashMap<>();
        // Seed 1: Adam ends at 0.50 after 40 steps (4 s); SOAP reaches it at step 10 (1 s): ratios 0.25.
        bySeed.put(1L, List.of(run("soap", 2.0, 0.45, 0.40, 0.42, 0.44), run("adam", 2.0, 1.0, 0.8, 0.6, 0.50)));
        // Seed 2: SOAP reaches Adam's 0.40 at step 20: ratios 0.50.
        bySeed.put(2L, List.of(run("soap", 2.0, 0.8, 0.39, 0.30, 0.35), run("adam", 2.0, 1.0, 0.7, 0.5, 0.40)));
        // Seed 3: SOAP never reaches Adam's 0.30.
        bySeed.put(3L, List.of(run("soap", 2.0, 0.9, 0.8, 0.7, 0.60), run("adam", 2.0, 1.0, 0.6, 0.4, 0.30)));

        String table = Comparison.acrossSeeds("adam", bySeed);

        assertTrue(table.contains("Over seeds [1, 2, 3]"), table);
        // SOAP's final losses 0.44, 0.35, 0.60; best 0.40, 0.30, 0.60 at steps 20, 30, 40; 4 s each.
        assertTrue(table.matches("(?s).*soap +0\\.4400 \\[0\\.3500-0\\.6000\\] +0\\.4000 \\[0\\.3000-0\\.6000\\] "
                + "+30 \\[20-40\\] +0\\.5400 \\[0\\.5400-0\\.5400\\] +4\\.0 \\[4\\.0-4\\.0\\].*"), table);
        assertTrue(table.matches("(?s).*adam +0\\.4000 \\[0\\.3000-0\\.5000\\] .*"), table);
        assertTrue(table.matches("(?s).*\\n1 +0\\.5000 +10 +0\\.25 +1\\.0 +0\\.25\\n.*"), table);
        assertTrue(table.matches("(?s).*\\n2 +0\\.4000 +20 +0\\.50 +2\\.0 +0\\.50\\n.*"), table);
        assertTrue(table.matches("(?s).*\\n3 +0\\.3000 +never +- +never +-\\n.*"), table);
        // Never counts as infinitely slow: the median of 10, 20 and never is 20.
        assertTrue(table.matches("(?s).*\\nmedian +20 +0\\.50 +2\\.0 +0\\.50\\n.*"), table);
    }

    @Test
    void medianIsNeverWhenMostSeedsNeverReachTheTarget() {
        Map<Long, List<RunRecord>> bySeed = new LinkedHashMap<>();
        bySeed.put(1L, List.of(run("soap", 2.0, 0.9), run("adam", 2.0, 0.5)));
        bySeed.put(2L, List.of(run("soap", 2.0, 0.4), run("adam", 2.0, 0.5)));
        bySeed.put(3L, List.of(run("soap", 2.0, 0.9), run("adam", 2.0, 0.5)));
        assertTrue(Comparison.acrossSeeds("adam", bySeed).matches("(?s).*\\nmedian +never +- +never +-\\n.*"));
    }
}
