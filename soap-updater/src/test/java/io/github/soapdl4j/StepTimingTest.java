package io.github.soapdl4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class StepTimingTest {
    @Test
    void time() throws Exception {
        Thread parked = new Thread(() -> {
            Nd4j.create(DataType.FLOAT, 64).addi(1);
            try { Thread.sleep(Long.MAX_VALUE); } catch (InterruptedException e) { }
        });
        parked.setDaemon(true);
        parked.start();
        Thread.sleep(200);
        StringBuilder out = new StringBuilder("STEPTIME");
        for (int[] mn : new int[][] {{784, 512}, {512, 512}, {128, 128}, {64, 256}}) {
            int m = mn[0], n = mn[1];
            List<ParamLayout> layout = List.of(new ParamLayout("W", new long[] {m, n}, 'f'), new ParamLayout("b", new long[] {n}, 'c'));
            Soap soap = new Soap().withLayout(layout);
            long len = (long) m * n + n;
            INDArray state = Nd4j.create(DataType.FLOAT, soap.stateSize((long) m * n) + soap.stateSize(n));
            GradientUpdater<?> u = soap.instantiate(state, true);
            INDArray noise = Nd4j.create(DataType.FLOAT, len);
            INDArray grad = Nd4j.create(DataType.FLOAT, len);
            Nd4j.getRandom().setSeed(1);
            int calls = 101;
            double[] regular = new double[calls];
            double[] refresh = new double[calls];
            int nr = 0, nf = 0;
            for (int call = 0; call < calls; call++) {
                Nd4j.randn(noise);
                grad.assign(noise).muli(1e-2);
                long pause = Long.getLong("st.pauseMicros", 0);
                if (pause > 0) { long e = System.nanoTime() + pause * 1000; while (System.nanoTime() < e) { Thread.onSpinWait(); } }
                long s = System.nanoTime();
                u.applyUpdater(grad, call, 0);
                double ms = (System.nanoTime() - s) / 1e6;
                if (call < 21) continue;
                // old code refreshes at the end of calls t%10==0, new code at the start of the next call
                boolean isRefresh = Boolean.getBoolean("st.new") ? (call - 1) % 10 == 0 : call % 10 == 0;
                if (isRefresh) refresh[nf++] = ms; else regular[nr++] = ms;
            }
            double[] r = Arrays.copyOf(regular, nr), f = Arrays.copyOf(refresh, nf);
            Arrays.sort(r); Arrays.sort(f);
            out.append(String.format(" | %dx%d regular %.2f refresh %.2f", m, n, r[nr / 2], f[nf / 2]));
        }
        System.out.println(out);
        assertTrue(out.length() > 0);
    }
}
