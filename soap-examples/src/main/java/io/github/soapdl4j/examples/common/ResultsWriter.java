package io.github.soapdl4j.examples.common;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes runs as CSV files and one PNG plot (XChart) per job into one output directory: for every seed and run
 * {@code <prefix>-seed<s>-<run>-train.csv} and {@code -eval.csv}, and {@code <prefix>-loss.png}.
 */
public final class ResultsWriter {
    private static final Color[] COLORS = {new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C),
            new Color(0x9467BD)};
    private static final BasicStroke[] STROKES = {SeriesLines.SOLID, SeriesLines.DASH_DASH, SeriesLines.DOT_DOT,
            SeriesLines.DASH_DOT};

    private final File directory;

    public ResultsWriter(File directory) throws IOException {
        this.directory = directory;
        if (!directory.isDirectory() && !directory.mkdirs()) {
            throw new IOException("Cannot create output directory " + directory);
        }
        System.setProperty("java.awt.headless", "true");
    }

    /** @return the directory written to */
    public File directory() {
        return directory;
    }

    /** @return {@code <prefix>-seed<seed>}, the prefix of one seed's CSV files */
    public static String seedPrefix(String prefix, long seed) {
        return prefix + "-seed" + seed;
    }

    /** Writes {@code <prefix>-<run>-train.csv} and {@code <prefix>-<run>-eval.csv}. */
    public void writeCsv(String prefix, RunRecord run) throws IOException {
        try (PrintWriter out = new PrintWriter(file(prefix + "-" + run.name() + "-train.csv"),
                StandardCharsets.UTF_8)) {
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

    /** Writes {@code name} with the given lines (a CSV table of a sweep, say). @return the file */
    public File writeLines(String name, List<String> lines) throws IOException {
        File f = file(name);
        try (PrintWriter out = new PrintWriter(f, StandardCharsets.UTF_8)) {
            lines.forEach(out::println);
        }
        return f;
    }

    /**
     * Writes {@code <prefix>-loss.png}: the training loss per step (left) and the held-out loss at each evaluation
     * (right) of every run of every seed, both on a log scale; one colour per run name, one line style per seed.
     *
     * @return the file
     */
    public File writePlot(String prefix, String title, Map<Long, List<RunRecord>> runsBySeed) throws IOException {
        XYChart train = chart(title + ": training loss", "step", "training loss (log scale)");
        XYChart test = chart(title + ": held-out loss", "step", "held-out loss (log scale)");
        List<String> names = new ArrayList<>();
        int seedIndex = 0;
        for (Map.Entry<Long, List<RunRecord>> seed : runsBySeed.entrySet()) {
            for (RunRecord run : seed.getValue()) {
                if (!names.contains(run.name())) {
                    names.add(run.name());
                }
                Color color = COLORS[names.indexOf(run.name()) % COLORS.length];
                BasicStroke stroke = STROKES[seedIndex % STROKES.length];
                String series = runsBySeed.size() == 1 ? run.name() : run.name() + " seed " + seed.getKey();
                add(train, series, run.steps().stream().mapToDouble(RunRecord.Step::iteration).toArray(),
                        run.steps().stream().mapToDouble(RunRecord.Step::loss).toArray(), color, stroke);
                add(test, series, run.evaluations().stream().mapToDouble(RunRecord.Evaluation::iteration).toArray(),
                        run.evaluations().stream().mapToDouble(RunRecord.Evaluation::loss).toArray(), color, stroke);
            }
            seedIndex++;
        }
        File png = file(prefix + "-loss.png");
        BitmapEncoder.saveBitmap(List.of(train, test), 1, 2, png.getPath(), BitmapEncoder.BitmapFormat.PNG);
        return png;
    }

    /** Adds the points with a positive y (a log axis has no place for the others); none at all adds nothing. */
    private static void add(XYChart chart, String name, double[] x, double[] y, Color color, BasicStroke stroke) {
        int n = 0;
        for (double v : y) {
            if (v > 0) {
                n++;
            }
        }
        if (n == 0) {
            return;
        }
        double[] px = new double[n];
        double[] py = new double[n];
        for (int i = 0, j = 0; i < y.length; i++) {
            if (y[i] > 0) {
                px[j] = x[i];
                py[j++] = y[i];
            }
        }
        XYSeries s = chart.addSeries(name, px, py);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setLineStyle(stroke);
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart chart = new XYChartBuilder().width(720).height(480).title(title).xAxisTitle(x).yAxisTitle(y).build();
        // Losses often span less than a decade: label the ticks in between too, not the powers of ten alone.
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmicDecadeOnly(false);
        chart.getStyler().setYAxisDecimalPattern("0.###");
        return chart;
    }

    private File file(String name) {
        return new File(directory, name);
    }
}
