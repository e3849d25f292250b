package io.github.soapdl4j.tests;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;
import java.util.Map;

/**
 * What Keras computes for a {@link KerasModelSpec} in inference mode, written from Keras's definitions with plain
 * loops, independent of DL4J: the yardstick for whether an import reproduces a model, not only its weights.
 * Sequential models of Conv1D (channels_last; valid or causal; dilated), Conv2D (valid; either data format),
 * BatchNormalization, GlobalAveragePooling1D/2D and Dense.
 */
final class KerasReference {
    private KerasReference() {
    }

    /** @param x input in Keras's layout, batch first */
    @SuppressWarnings("unchecked")
    static INDArray predict(KerasModelSpec spec, INDArray x) {
        INDArray a = x.castTo(DataType.DOUBLE);
        for (Map<String, Object> layer : spec.layers()) {
            String type = (String) layer.get("class_name");
            Map<String, Object> c = (Map<String, Object>) layer.get("config");
            Map<String, INDArray> w = spec.weights().get((String) c.get("name"));
            switch (type) {
                case "InputLayer":
                    break;
                case "Conv1D":
                    a = activation(conv1d(a, d(w.get("kernel")), d(w.get("bias")),
                            ((List<Integer>) c.get("dilation_rate")).get(0), "causal".equals(c.get("padding"))),
                            (String) c.get("activation"));
                    break;
                case "Conv2D":
                    a = activation(conv2d(a, d(w.get("kernel")), d(w.get("bias")),
                            "channels_first".equals(c.get("data_format"))), (String) c.get("activation"));
                    break;
                case "BatchNormalization":
                    a = batchNorm(a, w, (Integer) c.get("axis"), (Double) c.get("epsilon"));
                    break;
                case "GlobalAveragePooling1D":
                    a = a.mean(1);
                    break;
                case "GlobalAveragePooling2D":
                    a = "channels_first".equals(c.get("data_format")) ? a.mean(2, 3) : a.mean(1, 2);
                    break;
                case "Dense":
                    a = activation(a.mmul(d(w.get("kernel"))).addRowVector(d(w.get("bias"))),
                            (String) c.get("activation"));
                    break;
                default:
                    throw new IllegalArgumentException("No reference for Keras layer " + type);
            }
        }
        return a;
    }

    private static INDArray d(INDArray a) {
        return a.castTo(DataType.DOUBLE);
    }

    /** x [batch, steps, in], kernel [k, in, out]; causal pads dilation*(k-1) zeros on the left. */
    private static INDArray conv1d(INDArray x, INDArray kernel, INDArray bias, int dilation, boolean causal) {
        long batch = x.size(0), steps = x.size(1), in = x.size(2), k = kernel.size(0), out = kernel.size(2);
        long pad = causal ? dilation * (k - 1) : 0;
        long outSteps = steps + pad - dilation * (k - 1);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, batch, outSteps, out);
        for (long b = 0; b < batch; b++) {
            for (long t = 0; t < outSteps; t++) {
                for (long f = 0; f < out; f++) {
                    double s = bias.getDouble(f);
                    for (long j = 0; j < k; j++) {
                        long src = t + j * dilation - pad;
                        if (src < 0) {
                            continue;
                        }
                        for (long i = 0; i < in; i++) {
                            s += x.getDouble(b, src, i) * kernel.getDouble(j, i, f);
                        }
                    }
                    y.putScalar(new long[] {b, t, f}, s);
                }
            }
        }
        return y;
    }

    /** Valid 2-D convolution; kernel [kh, kw, in, out] whatever the data format, as Keras stores it. */
    private static INDArray conv2d(INDArray x, INDArray kernel, INDArray bias, boolean channelsFirst) {
        INDArray nhwc = channelsFirst ? x.permute(0, 2, 3, 1) : x;
        long batch = nhwc.size(0), h = nhwc.size(1), wd = nhwc.size(2), in = nhwc.size(3);
        long kh = kernel.size(0), kw = kernel.size(1), out = kernel.size(3);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, batch, h - kh + 1, wd - kw + 1, out);
        for (long b = 0; b < batch; b++) {
            for (long r = 0; r + kh <= h; r++) {
                for (long s = 0; s + kw <= wd; s++) {
                    for (long f = 0; f < out; f++) {
                        double sum = bias.getDouble(f);
                        for (long p = 0; p < kh; p++) {
                            for (long q = 0; q < kw; q++) {
                                for (long i = 0; i < in; i++) {
                                    sum += nhwc.getDouble(b, r + p, s + q, i) * kernel.getDouble(p, q, i, f);
                                }
                            }
                        }
                        y.putScalar(new long[] {b, r, s, f}, sum);
                    }
                }
            }
        }
        return channelsFirst ? y.permute(0, 3, 1, 2).dup('c') : y;
    }

    /** Inference: gamma (x - moving_mean) / sqrt(moving_variance + epsilon) + beta along {@code axis}. */
    private static INDArray batchNorm(INDArray x, Map<String, INDArray> w, int axis, double epsilon) {
        int dim = axis < 0 ? x.rank() + axis : axis;
        INDArray scale = d(w.get("gamma")).div(Transforms.sqrt(d(w.get("moving_variance")).add(epsilon)));
        INDArray shift = d(w.get("beta")).sub(d(w.get("moving_mean")).mul(scale));
        long[] shape = new long[x.rank()];
        java.util.Arrays.fill(shape, 1);
        shape[dim] = scale.length();
        return x.mul(scale.reshape(shape).broadcast(x.shape())).add(shift.reshape(shape).broadcast(x.shape()));
    }

    private static INDArray activation(INDArray z, String name) {
        switch (name) {
            case "relu":
                return Transforms.relu(z, true);
            case "tanh":
                return Transforms.tanh(z, true);
            case "softmax":
                return Transforms.softmax(z, true);
            case "linear":
                return z;
            default:
                throw new IllegalArgumentException("No reference for activation " + name);
        }
    }
}
