package io.github.soapdl4j.examples.bench;

import io.github.soapdl4j.Soap;
import io.github.soapdl4j.examples.common.JobOptions;
import io.github.soapdl4j.examples.common.Stats;
import io.github.soapdl4j.examples.common.TimingConditions;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.bytedeco.pytorch.global.torch.get_num_threads;
import static org.bytedeco.pytorch.global.torch.set_num_threads;

/**
 * This project's SOAP updater against the reference SOAP step run on libtorch ({@link TorchSoapReference}), in
 * one JVM, on the same gradients ({@link PairedSoapRun}). First a float64 check on a square layer, whose factors
 * have full rank, that the two compute the same trajectory; then the timing on the MLP 784-512-512-10 in float32:
 * the two are timed alternately, call by call, in alternating order, after the same untimed warm-up calls, with
 * the process under the conditions of docs/timing.md, and they share ND4J's OpenBLAS and OpenMP runtime.
 */
@Command(name = "torch-reference-benchmark", mixinStandardHelpOptions = true,
        description = "Time the SOAP updater against the reference SOAP step on libtorch (MLP 784-512-512-10).")
public final class TorchReferenceBenchmark implements Callable<Integer> {

    @Option(names = "--warmup", description = "untimed calls first, the first (basis-building) call included "
            + "(default: ${DEFAULT-VALUE})")
    int warmup = 11;

    @Option(names = "--steps", description = "timed calls of each (default: ${DEFAULT-VALUE})")
    int steps = 100;

    @Option(names = "--torch-threads", description = "libtorch's intra-op threads; 0 leaves its default "
            + "(default: ${DEFAULT-VALUE})")
    int torchThreads = 0;

    @Option(names = "--check-width", description = "width of the square float64 layer of the check "
            + "(default: ${DEFAULT-VALUE})")
    int checkWidth = 64;

    @Option(names = "--check-steps", description = "calls of the float64 check (default: ${DEFAULT-VALUE})")
    int checkSteps = 41;

    @Option(names = "--out", description = "Markdown report file (default: ${DEFAULT-VALUE})")
    File out = new File(JobOptions.defaultOut("bench"), "torch-reference.md");

    private final MarkdownReport report = new MarkdownReport();

    public static void main(String[] args) {
        System.exit(new CommandLine(new TorchReferenceBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        String conditions = TimingConditions.establish();
        if (torchThreads > 0) {
            set_num_threads(torchThreads);
        }
        line("# SOAP updater against the reference SOAP step on libtorch");
        line("");
        line(conditions + " Here: the two are timed alternately, call by call, the first of each pair "
                + "alternating, after the same untimed warm-up calls, on the same gradients.");
        line("");
        line(String.format(Locale.ROOT, "%s; %d cores; Java %s; ND4J backend %s; libtorch 1.10.2 (JavaCPP 1.5.7, "
                        + "on the same OpenBLAS and OpenMP runtime as ND4J; intra-op threads: %d); the updater's "
                        + "default hyperparameters on both sides.", LocalDateTime.now().truncatedTo(ChronoUnit.MINUTES),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                Nd4j.getBackend().getClass().getSimpleName(), get_num_threads()));
        check();
        time();
        report.writeTo(out);
        return 0;
    }

    /** Float64, full-rank factors: the two sides must follow the same trajectory. */
    private void check() {
        Soap soap = new Soap();
        PairedSoapRun run = PairedSoapRun.squareFloat64(checkWidth, soap);
        run.run(checkSteps);
        line("");
        line(String.format(Locale.ROOT, "## Same trajectory: float64, one %dx%d dense layer, %d calls (%d Adam "
                + "steps, %d refreshes)", checkWidth, checkWidth, checkSteps, checkSteps - 1,
                (checkSteps - 1) / soap.getPreconditionFrequency()));
        line("");
        agreement(run);
    }

    private void time() {
        Soap soap = new Soap();
        PairedSoapRun run = new PairedSoapRun(BenchNetworks.mlp(soap), soap);
        int frequency = soap.getPreconditionFrequency();
        List<Double> soapRegular = new ArrayList<>();
        List<Double> soapRefresh = new ArrayList<>();
        List<Double> torchRegular = new ArrayList<>();
        List<Double> torchRefresh = new ArrayList<>();
        for (int call = 0; call < warmup + steps; call++) {
            run.nextGradient();
            double soapMs;
            double torchMs;
            if (call % 2 == 0) {
                soapMs = run.soapCall();
                torchMs = run.referenceCall();
            } else {
                torchMs = run.referenceCall();
                soapMs = run.soapCall();
            }
            run.endCall();
            if (call >= warmup) {
                // The reference refreshes at the end of the step whose counter t has t % f == 0; this updater at
                // the start of the call after it (docs/algorithm.md, section 3).
                boolean torchRefreshed = run.referenceSteps() % frequency == 0;
                boolean soapRefreshed = call >= 2 && (call - 1) % frequency == 0;
                (torchRefreshed ? torchRefresh : torchRegular).add(torchMs);
                (soapRefreshed ? soapRefresh : soapRegular).add(soapMs);
            }
        }
        List<Double> soapAll = concat(soapRegular, soapRefresh);
        List<Double> torchAll = concat(torchRegular, torchRefresh);
        line("");
        line(String.format(Locale.ROOT, "## Time per step: MLP 784-512-512-10, float32, %d warm-up and %d timed "
                + "calls of each (%d and %d of them refresh steps)", warmup, steps, soapRefresh.size(),
                torchRefresh.size()));
        line("");
        line("| ms per step | regular: median [min-max] | refresh: median [min-max] | mean, refreshes included |");
        line("|---|---|---|---|");
        row("this updater", soapRegular, soapRefresh, soapAll);
        row("reference on libtorch", torchRegular, torchRefresh, torchAll);
        line(String.format(Locale.ROOT, "| ratio | %.3f | %.3f | %.3f |",
                Stats.median(soapRegular) / Stats.median(torchRegular),
                Stats.median(soapRefresh) / Stats.median(torchRefresh),
                Stats.mean(soapAll) / Stats.mean(torchAll)));
        line("");
        line("Where the two end after these calls (float32; the first factors of the 784x512 and 512x10 weights "
                + "are rank-deficient, so part of their first bases is arbitrary and the two sides part there by "
                + "more than rounding, see docs/precision.md):");
        line("");
        agreement(run);
    }

    private void agreement(PairedSoapRun run) {
        line("| parameter | moved, ‖this − start‖ | ‖this − reference‖ / moved |");
        line("|---|---|---|");
        for (Map.Entry<String, double[]> e : run.agreement().entrySet()) {
            line(String.format(Locale.ROOT, "| %s | %.4g | %.2e |", e.getKey(), e.getValue()[1], e.getValue()[0]));
        }
    }

    private static List<Double> concat(List<Double> a, List<Double> b) {
        List<Double> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private void row(String name, List<Double> regular, List<Double> refresh, List<Double> all) {
        line(String.format(Locale.ROOT, "| %s | %.1f [%.1f-%.1f] | %.1f [%.1f-%.1f] | %.1f |", name,
                Stats.median(regular), Stats.min(regular), Stats.max(regular),
                Stats.median(refresh), Stats.min(refresh), Stats.max(refresh), Stats.mean(all)));
    }

    private void line(String s) {
        report.line(s);
    }
}
