package io.github.soapdl4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A limit holds inside its scope, also when scopes nest, and ND4J's setting is back afterwards. */
class ThreadLimitTest {

    @Test
    void nestedScopesRestoreTheNd4jSettingOnce() {
        Environment env = Nd4j.getEnvironment();
        int before = env.maxMasterThreads();
        env.setMaxMasterThreads(Math.max(2, before));
        int outside = env.maxMasterThreads();
        try (ThreadLimit outer = ThreadLimit.ND4J_OPS.enter()) {
            assertEquals(1, env.maxMasterThreads());
            try (ThreadLimit inner = ThreadLimit.ND4J_OPS.enter()) {
                assertEquals(1, env.maxMasterThreads());
            }
            assertEquals(1, env.maxMasterThreads(), "the outer scope is still open");
        }
        assertEquals(outside, env.maxMasterThreads());
        env.setMaxMasterThreads(before);
    }

    @Test
    void blasThreadsAreBackAfterTheScope() {
        int before = Nd4j.factory().blas().getMaxThreads();
        Nd4j.factory().blas().setMaxThreads(2);
        try (ThreadLimit limit = ThreadLimit.BLAS.enter()) {
            assertEquals(1, Nd4j.factory().blas().getMaxThreads());
        }
        assertEquals(2, Nd4j.factory().blas().getMaxThreads());
        Nd4j.factory().blas().setMaxThreads(before);
    }
}
