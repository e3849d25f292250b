package io.github.soapdl4j.tests;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * A {@code local[N]} Spark context on the loopback address, with ND4J, BLAS and OpenMP held at one thread while it
 * lives; {@link #close()} stops the context and restores the previous thread settings.
 *
 * <p>N Spark task threads, each running ND4J ops that would start their own OpenMP teams, oversubscribe a small
 * machine badly (a SOAP step took 5x longer on 2 shared cores). The OpenMP setting holds for the calling thread,
 * which runs the single-worker baselines; Nd4j is touched first because NativeOpsHolder fails unless the backend is
 * already loaded.
 */
final class LocalSpark implements AutoCloseable {
    /** The only address the Spark tests bind or connect to. */
    static final String LOOPBACK = "127.0.0.1";

    private final JavaSparkContext sc;
    private final int previousThreads;
    private final int previousBlasThreads;
    private final int previousOmpThreads;

    private LocalSpark(int workers, String appName) {
        previousThreads = Nd4j.getEnvironment().maxThreads();
        previousBlasThreads = Nd4j.factory().blas().getMaxThreads();
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
        previousOmpThreads = NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(1);
        sc = new JavaSparkContext(new SparkConf()
                .setMaster("local[" + workers + "]")
                .setAppName(appName)
                .set("spark.ui.enabled", "false")
                // Loopback only: a CI machine's host name need not resolve.
                .set("spark.driver.bindAddress", LOOPBACK)
                .set("spark.driver.host", LOOPBACK));
    }

    static LocalSpark start(int workers, String appName) {
        return new LocalSpark(workers, appName);
    }

    JavaSparkContext context() {
        return sc;
    }

    @Override
    public void close() {
        sc.stop();
        Nd4j.getEnvironment().setMaxThreads(previousThreads);
        Nd4j.factory().blas().setMaxThreads(previousBlasThreads);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(previousOmpThreads);
    }
}
