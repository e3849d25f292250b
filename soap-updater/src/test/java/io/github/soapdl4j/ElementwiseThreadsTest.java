package io.github.soapdl4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The thread limit holds inside the scope, also when scopes nest, and ND4J's setting is back afterwards. */
class ElementwiseThreadsTest {

    @Test
    void nestedScopesRestoreTheSettingOnce() {
        Environment env = Nd4j.getEnvironment();
        int before = env.maxMasterThreads();
        env.setMaxMasterThreads(Math.max(2, before));
        int outside = env.maxMasterThreads();
        try (ElementwiseThreads outer = ElementwiseThreads.limit()) {
            assertEquals(1, env.maxMasterThreads());
            try (ElementwiseThreads inner = ElementwiseThreads.limit()) {
                assertEquals(1, env.maxMasterThreads());
            }
            assertEquals(1, env.maxMasterThreads(), "the outer scope is still open");
        }
        assertEquals(outside, env.maxMasterThreads());
        env.setMaxMasterThreads(before);
    }
}
