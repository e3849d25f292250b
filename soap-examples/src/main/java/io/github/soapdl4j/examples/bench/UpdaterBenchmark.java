package io.github.soapdl4j.examples.bench;

import io.github.soapdl4j.ConcurrentRefresh;
import io.github.soapdl4j.ParameterStats;
import io.github.soapdl4j.Soap;
import io.github.soapdl4j.SoapStats;
import io.github.soapdl4j.examples.common.JobOptions;
import io.github.soapdl4j.examples.common.Optimizer;
import io.github.soapdl4j.examples.common.Stats;
import io.github.soapdl4j.examples.common.TimingConditions;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * SOAP's cost next to Adam's, float32: updater time per step (regular and refresh steps apart), the updater's
 * arithmetic rate against ND4J's own GEMM rate, whole {@code fit()} time, and memory. Prints a Markdown report
 * and writes it to a file.
 */
@Command(name = "updater-benchmark", mixinStandardHelpOptions = true,
        description = "Benchmark the SOAP updater against Adam (float32).")
public final class UpdaterBenchmark implements Callable<Integer> {

    @Option(names = "--sections", split = ",", description = "which of gemm,updater,efficiency,fit,memory to run "
            + "(default: all)")
    List<String> sections = List.of("gemm", "updater", "efficiency", "fit", "memory");

    @Option(names = "--widths", split = ",", description = "square dense widths (default: ${DEFAULT-VALUE})")
    List<Integer> widths = List.of(128, 256, 512, 1024, 2048);

    @Option(names = "--warmup", description = "untimed updater calls first, SOAP's first call included "
            + "(default: ${DEFAULT-VALUE})")
    int warmup = 11;

    @Option(names = "--steps", description = "timed updater calls (default: ${DEFAULT-VALUE})")
    int steps = 40;

    @Option(names = "--fit-steps", description = "timed fit() calls (default: ${DEFAULT-VALUE})")
    int fitSteps = 40;

    @Option(names = "--memory-steps", description = "updater calls of the memory-growth run "
            + "(default: ${DEFAULT-VALUE})")
    int memorySteps = 1000;

    @Option(names = "--out", description = "Markdown report file (default: ${DEFAULT-VALUE})")
    File out = new File(JobOptions.defaultOut("bench"), "updater-benchmark.md");

    /** How many times the usual calls the fit() row of the small shapes takes (a step of theirs is ~10 ms). */
    private static final int SHORT_STEP_SCALE = 10;

    private final MarkdownReport report = new MarkdownReport();
    private final int frequency = new Soap().getPreconditionFrequency();
    /** Rows timed so far: which optimizer is timed first alternates with it. */
    private int rows;

    public static void main(String[] args) {
        System.exit(new CommandLine(new UpdaterBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        String conditions = TimingConditions.establish();
        line("# SOAP updater benchmark");
        line("");
        line(conditions + " Here: SOAP and Adam alternate which is timed first from row to row, and every "
                + "row's timings follow its own untimed warm-up calls.");
        line("");
        line(String.format(Locale.ROOT, "%s; %d cores; Java %s; ND4J backend %s; %d warm-up and %d timed updater "
                        + "calls per row; float32.", LocalDate.now(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), Nd4j.getBackend().getClass().getSimpleName(), warmup, steps));
        if (sections.contains("gemm") || sections.contains("efficiency")) {
            gemm();
        }
        if (sections.contains("updater") || sections.contains("efficiency")) {
            updater();
        }
        if (sections.contains("fit")) {
            fit();
        }
        if (sections.contains("memory")) {
            memory();
        }
        report.writeTo(out);
        return 0;
    }

    private final java.util.Map<Integer, Double> gemmRate = new java.util.TreeMap<>();

    private void gemm() {
        line("");
        line("## ND4J GEMM rate (square, 'f' order, preallocated output)");
        line("");
        line("| n | GFLOP/s |");
        line("|---|---|");
        gemmRate.putAll(measureGemm());
        gemmRate.forEach((n, rate) -> line(String.format(Locale.ROOT, "| %d | %.1f |", n, rate)));
    }

    /** @return ND4J's GEMM rate in GFLOP/s at the usual sizes and the benchmarked widths */
    private java.util.Map<Integer, Double> measureGemm() {
        java.util.TreeSet<Integer> sizes = new java.util.TreeSet<>(List.of(128, 256, 512, 1024, 2048));
        sizes.addAll(widths);
        java.util.Map<Integer, Double> rates = new java.util.TreeMap<>();
        for (int n : sizes) {
            rates.put(n, GemmRate.gflops(n, n >= 1024 ? 5 : 20));
        }
        return rates;
    }

    /**
     * The efficiency table. The machine's speed drifts within a run, so the efficiency is taken against the GEMM
     * rate sampled right before each timed SOAP call of the row, on the same stretch of the machine; it is also
     * given against the higher of the repeated-product rates measured before and after all updater timings, which
     * cache-hot operands favour.
     */
    private void efficiency() {
        java.util.Map<Integer, Double> again = measureGemm();
        line("");
        line("## Updater arithmetic rate against GEMM (square dense layers)");
        line("");
        line("Flops: per regular step two mode-product passes and a symmetric factor update (`5 * n * sum_k d_k`), "
                + "plus per refresh and "
                + "factor `20/3 d^3 + 2 n d` (see `UpdaterFlops`), amortized over " + frequency + " steps. GEMM "
                + "rate for the efficiency: one product of the layer's width timed right before each timed SOAP "
                + "call (median), so that both see the same stretch of the machine; the rates measured before "
                + "and after all updater timings are shown for comparison.");
        line("");
        line("| width | GFLOP per regular step | GFLOP/s regular | GFLOP/s amortized | GEMM GFLOP/s before | "
                + "GEMM GFLOP/s after | GEMM GFLOP/s interleaved | efficiency regular | efficiency amortized | "
                + "against the higher repeated rate: regular | amortized |");
        line("|---|---|---|---|---|---|---|---|---|---|---|");
        for (SquareTiming t : squareTimings) {
            double before = gemmRate.getOrDefault(t.width, Double.NaN);
            double after = again.get(t.width);
            double gemm = t.interleavedGemm;
            double amortizedMs = (t.regularMs * (frequency - 1) + t.refreshMs) / frequency;
            double regularRate = t.flops.regular / (t.regularMs * 1e6);
            double amortizedRate = t.flops.amortized(frequency) / (amortizedMs * 1e6);
            double repeated = Math.max(before, after);
            line(String.format(Locale.ROOT, "| %d | %.2f | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f%% | %.0f%% | %.0f%% "
                    + "| %.0f%% |", t.width, t.flops.regular / 1e9, regularRate, amortizedRate, before, after, gemm,
                    100 * regularRate / gemm, 100 * amortizedRate / gemm, 100 * regularRate / repeated,
                    100 * amortizedRate / repeated));
        }
    }

    /** A square layer's medians, kept for the efficiency table. */
    /** @param interleavedGemm GFLOP/s of a {@code width}-square product timed before each SOAP call */
    private record SquareTiming(int width, UpdaterFlops flops, double regularMs, double refreshMs,
                                double interleavedGemm) {
    }

    private final List<SquareTiming> squareTimings = new java.util.ArrayList<>();

    private void updater() {
        line("");
        line("## Updater time per step (ms)");
        line("");
        line("Regular steps: no basis refreshed. Refresh steps: every basis refreshed (the reference's schedule: due on "
                + "the steps `t % " + frequency + " == 0`, run at the start of the next call). Medians over the timed "
                + "calls; the maxima include the JVM's pauses.");
        line("");
        line("| network | SOAP regular median | SOAP regular max | SOAP refresh median | SOAP refresh max | "
                + "refresh / regular | Adam median | Adam max |");
        line("|---|---|---|---|---|---|---|---|");
        row("MLP 784-512-512-10", BenchNetworks::mlp, false);
        // The opt-in helper threads for a refresh's QR decompositions: what they buy, with no setting changed.
        row("MLP 784-512-512-10, ConcurrentRefresh.threads(2)", BenchNetworks::mlp, false,
                Soap.builder().concurrentRefresh(ConcurrentRefresh.threads(2)).build());
        row("CNN conv3x3(32)-conv3x3(64)-dense(128)", BenchNetworks::cnn, false);
        for (int w : widths) {
            row("dense " + w + "x" + w, u -> BenchNetworks.square(u, w), true);
        }
        staggered();
        if (sections.contains("efficiency")) {
            efficiency();
        }
    }

    /**
     * With {@code staggerRefreshes} each step of a period refreshes the factors whose phase it is, so the steps
     * are grouped by phase: the phases without a factor are the regular steps, and the costliest phase's median
     * is the refresh cost to compare with them.
     */
    private void staggered() {
        MultiLayerNetwork net = BenchNetworks.mlp(Soap.builder().staggerRefreshes(true).build());
        java.util.Map<Integer, List<Double>> byPhase = UpdaterTimer.timeByPhase(net, warmup, steps, frequency);
        java.util.Map<Integer, Integer> factorsByPhase = new java.util.TreeMap<>();
        java.util.Map<Integer, String> dimsByPhase = new java.util.TreeMap<>();
        for (ParameterStats p : SoapStats.of(net)) {
            for (ParameterStats.FactorStats f : p.getFactors()) {
                factorsByPhase.merge(f.getRefreshPhase(), 1, Integer::sum);
                dimsByPhase.merge(f.getRefreshPhase(), Integer.toString(f.getDim()), (a, b) -> a + "," + b);
            }
        }
        List<Double> regular = new java.util.ArrayList<>();
        byPhase.forEach((phase, ms) -> {
            if (!factorsByPhase.containsKey(phase)) {
                regular.addAll(ms);
            }
        });
        double regularMedian = Stats.median(regular);
        line("");
        line("Opt-in `staggerRefreshes(true)` (a deviation from the reference: each basis is refreshed as often, at "
                + "another step of the period), MLP 784-512-512-10, median per step of the period:");
        line("");
        line("| phase (previous step mod " + frequency + ") | factors refreshed | median ms | max ms | median / regular median |");
        line("|---|---|---|---|---|");
        byPhase.forEach((phase, ms) -> line(String.format(Locale.ROOT, "| %d | %s | %.1f | %.1f | %.2f |", phase,
                dimsByPhase.getOrDefault(phase, "none"), Stats.median(ms), Stats.max(ms),
                Stats.median(ms) / regularMedian)));
    }

    /** @return SOAP's regular-step median */
    private double row(String name, Function<IUpdater, MultiLayerNetwork> build, boolean square) {
        return row(name, build, square, new Soap());
    }

    private double row(String name, Function<IUpdater, MultiLayerNetwork> build, boolean square, Soap config) {
        MultiLayerNetwork soapNet = build.apply(config);
        MultiLayerNetwork adamNet = build.apply(new Adam());
        java.util.Map<Optimizer, UpdaterTimer.Timings> timings = new java.util.EnumMap<>(Optimizer.class);
        int width = square ? Integer.parseInt(name.substring(name.lastIndexOf('x') + 1)) : 0;
        GemmRate.Probe probe = square ? new GemmRate.Probe(width) : null;
        for (Optimizer o : TimingConditions.order(List.of(Optimizer.SOAP, Optimizer.ADAM), rows++)) {
            timings.put(o, o == Optimizer.SOAP && square
                    ? UpdaterTimer.time(soapNet, warmup, steps, frequency, probe)
                    : UpdaterTimer.time(o == Optimizer.SOAP ? soapNet : adamNet, warmup, steps, frequency));
        }
        UpdaterTimer.Timings soap = timings.get(Optimizer.SOAP);
        UpdaterTimer.Timings adam = timings.get(Optimizer.ADAM);
        double regular = Stats.median(soap.regular());
        double refresh = Stats.median(soap.refresh());
        line(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %.2f |", name, regular,
                Stats.max(soap.regular()), refresh, Stats.max(soap.refresh()), refresh / regular,
                Stats.median(adam.all()), Stats.max(adam.all())));
        if (square) {
            squareTimings.add(new SquareTiming(width, UpdaterFlops.of(soapNet), regular, refresh, probe.gflops()));
        }
        return regular;
    }

    private void fit() {
        line("");
        line("## Whole fit() per step (ms)");
        line("");
        line("Median and mean over " + fitSteps + " timed calls after " + warmup + " untimed ones; the mean counts "
                + "the refresh steps in. SOAP's and Adam's calls alternate one by one (the first of each pair "
                + "alternating), so that both meet the same garbage collections and stretches of the machine. The "
                + "small shapes' steps are short: their row takes " + SHORT_STEP_SCALE + " times as many calls of "
                + "each kind, so that the JIT has compiled the host loops before timing starts and the mean is not "
                + "decided by a few pauses.");
        line("");
        line("| network | batch | SOAP median | Adam median | SOAP / Adam | SOAP mean | Adam mean | SOAP / Adam |");
        line("|---|---|---|---|---|---|---|---|");
        fitRow("MLP 784-512-512-10", BenchNetworks::mlp, new long[] {256, 784}, 1);
        fitRow("MLP, first layer a FrozenLayerWithBackprop", BenchNetworks::frozenFirstLayerMlp,
                new long[] {256, 784}, 1);
        fitRow("CNN conv3x3(32)-conv3x3(64)-dense(128)", BenchNetworks::cnn, new long[] {64, 784}, 1);
        fitRow("small transformer shapes: 8 dense 64x64, feed-forward 64-256-64", BenchNetworks::smallShapes,
                new long[] {32, 64}, SHORT_STEP_SCALE);
    }

    private void fitRow(String name, Function<IUpdater, MultiLayerNetwork> build, long[] shape, int scale) {
        List<List<Double>> ms = FitTimer.time(List.of(build.apply(new Soap()), build.apply(new Adam())), shape,
                warmup * scale, fitSteps * scale);
        List<Double> soap = ms.get(0);
        List<Double> adam = ms.get(1);
        line(String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |", name, shape[0],
                Stats.median(soap), Stats.median(adam), Stats.median(soap) / Stats.median(adam), Stats.mean(soap),
                Stats.mean(adam), Stats.mean(soap) / Stats.mean(adam)));
    }

    private void memory() {
        line("");
        line("## Memory");
        line("");
        line("State per parameter of the MLP 784-512-512-10 (cells of 4 bytes), against `13 + 2n + sum_k 2 d_k^2`:");
        line("");
        line("| parameter | n | state cells | formula | bytes |");
        line("|---|---|---|---|---|");
        long total = 0;
        for (MemoryProbe.ParamState p : MemoryProbe.state(BenchNetworks.mlp(new Soap()))) {
            line(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d |", p.name(), p.length(), p.cells(),
                    p.formula(), 4 * p.cells()));
            total += p.cells();
        }
        line(String.format(Locale.ROOT, "| total | | %d | | %d |", total, 4 * total));
        MemoryProbe.Growth g = MemoryProbe.growth(BenchNetworks.square(new Soap(), 256), 100, memorySteps,
                frequency, 5);
        line("");
        line("Memory over " + memorySteps + " updater calls of a dense 256x256 layer (heap used after GC, ND4J "
                + "off-heap allocations):");
        line("");
        line("| call | heap MB | off-heap MB |");
        line("|---|---|---|");
        for (int i = 0; i < g.calls().size(); i++) {
            line(String.format(Locale.ROOT, "| %d | %.2f | %.2f |", g.calls().get(i), g.heap().get(i) / 1e6,
                    g.offHeap().get(i) / 1e6));
        }
        line(String.format(Locale.ROOT, "| growth | %+.2f | %+.2f |", g.heapGrowth() / 1e6,
                g.offHeapGrowth() / 1e6));
    }

    private void line(String s) {
        report.line(s);
    }
}
