package io.github.soapdl4j.examples.common;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/** Writes runs as CSV files and as PNG plots (XChart), one pair of plots per comparison. */
public final class ResultsWriter {
    private final File directory;

    public ResultsWriter(File directory) throws IOException {
        this.directory = directory;
        if (!directory.isDirectory() && !directory.mkdirs()) {
            throw new IOException("Cannot create output directory " + directory);
        }
        System.setProperty("java.awt.headless", "true");
    }

    /** Writes {@code <prefix>-<run>-train.csv} and {@code <prefix>-<run>-eval.csv}. */
    public void writeCsv(String prefix, RunRecord run) throws IOException {
        try (PrintWriter out = new PrintWriter(file(prefix + "-" + run.name() + "-train.csv"), StandardCharsets.UTF_8)) {
            out.println("iteration,train_loss,seconds");
            for (RunRecord.Step s : run.steps()) {
                out.printf(Locale.ROOT, "%d,%.6f,%.3f%n", s.iteration(), s.loss(), s.seconds());
            }
        }
        try (PrintWriter out = new PrintWriter(file(prefix + "-" + run.name() + "-eval.csv"), StandardCharsets.UTF_8)) {
            out.println("iteration,epoch,test_loss,test_accuracy,seconds");
            for (RunRecord.Evaluation e : run.evaluations()) {
                out.printf(Locale.ROOT, "%d,%d,%.6f,%.4f,%.3f%n", e.iteration(), e.epoch(), e.loss(), e.accuracy(),
                        e.seconds());
            }
        }
    }

    /**
     * Writes {@code <prefix>-loss.png}: the training loss per iteration (left) and the held-out loss at each
     * evaluation (right) of every run.
     */
    public File writePlot(String prefix, String title, List<RunRecord> runs) throws IOException {
        XYChart train = chart(title + ": training loss", "iteration", "training loss");
        XYChart test = chart(title + ": held-out loss", "iteration", "held-out loss");
        for (RunRecord run : runs) {
            if (!run.steps().isEmpty()) {
                train.addSeries(run.name(), run.steps().stream().mapToDouble(RunRecord.Step::iteration).toArray(),
                        run.steps().stream().mapToDouble(RunRecord.Step::loss).toArray()).setMarker(SeriesMarkers.NONE);
            }
            if (!run.evaluations().isEmpty()) {
                test.addSeries(run.name(), run.evaluations().stream().mapToDouble(RunRecord.Evaluation::iteration)
                        .toArray(), run.evaluations().stream().mapToDouble(RunRecord.Evaluation::loss).toArray());
            }
        }
        File png = file(prefix + "-loss.png");
        BitmapEncoder.saveBitmap(List.of(train, test), 1, 2, png.getPath(), BitmapEncoder.BitmapFormat.PNG);
        return png;
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart chart = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle(x).yAxisTitle(y).build();
        chart.getStyler().setYAxisLogarithmic(false);
        return chart;
    }

    private File file(String name) {
        return new File(directory, name);
    }
}
