package io.github.soapdl4j.examples.bench;

import io.github.soapdl4j.ParameterStats;
import io.github.soapdl4j.SoapStats;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The updater's arithmetic, counted from each parameter's shape. For a parameter of {@code n} elements with
 * factors of sizes {@code d_k}, one mode product costs {@code 2 n d_k} flops. A regular step projects the
 * gradient and the Adam direction back ({@code 2 n d_k} each per factored mode) and updates each factor's lower
 * triangle ({@code G_(k) G_(k)^T} as a symmetric rank-k update, {@code n d_k}). A refresh adds per factor: the power iteration {@code GG Q} ({@code 2 d^3}), the QR
 * decomposition (geqrf {@code 4/3 d^3} plus orgqr {@code 4/3 d^3}), the change of basis {@code Q'^T Q}
 * ({@code 2 d^3}) and one mode product of M ({@code 2 n d}). Element-wise work is not counted.
 */
final class UpdaterFlops {
    final double regular;
    final double refreshExtra;

    private UpdaterFlops(double regular, double refreshExtra) {
        this.regular = regular;
        this.refreshExtra = refreshExtra;
    }

    static UpdaterFlops of(MultiLayerNetwork net) {
        double regular = 0;
        double refresh = 0;
        for (ParameterStats p : SoapStats.of(net)) {
            double n = p.getLayout().length();
            for (ParameterStats.FactorStats f : p.getFactors()) {
                double d = f.getDim();
                regular += 5 * n * d;
                refresh += (2 + 8.0 / 3 + 2) * d * d * d + 2 * n * d;
            }
        }
        return new UpdaterFlops(regular, refresh);
    }

    /** @return flops per step averaged over a period of {@code frequency} steps */
    double amortized(int frequency) {
        return regular + refreshExtra / frequency;
    }
}
