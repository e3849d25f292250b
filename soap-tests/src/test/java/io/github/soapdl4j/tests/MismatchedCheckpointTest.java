package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A checkpoint whose updater state does not fit the layout its configuration is bound to (here: the state of a
 * network whose Soap preconditions fewer dimensions, spliced into another's checkpoint) fails on restore with a
 * message that says the lengths differ; it never trains on misaligned state.
 */
class MismatchedCheckpointTest {

    @Test
    void restoreRefusesStateOfAnotherLayout(@TempDir File dir) throws Exception {
        DataSet batch = TestNets.classification(1, 16, 3, DataType.FLOAT).get(0);
        MultiLayerNetwork full = TestNets.mlp(TestNets.soap(), DataType.FLOAT);
        MultiLayerNetwork small = TestNets.mlp(Soap.builder().maxPreconditionDim(4).build(), DataType.FLOAT);
        full.fit(batch);
        small.fit(batch);
        File fullFile = new File(dir, "full.zip");
        File smallFile = new File(dir, "small.zip");
        ModelSerializer.writeModel(full, fullFile, true);
        ModelSerializer.writeModel(small, smallFile, true);

        File spliced = new File(dir, "spliced.zip");
        splice(fullFile, smallFile, spliced);
        Exception e = assertThrows(Exception.class, () -> ModelSerializer.restoreMultiLayerNetwork(spliced, true));
        String messages = messages(e);
        System.out.println("Mismatched checkpoint: " + messages);
        assertTrue(messages.contains("length"), messages);
    }

    /** Copies {@code config}'s entries to {@code out}, but the updater state, which comes from {@code state}. */
    private static void splice(File config, File state, File out) throws Exception {
        try (ZipFile a = new ZipFile(config); ZipFile b = new ZipFile(state);
             ZipOutputStream zip = new ZipOutputStream(new FileOutputStream(out))) {
            for (Enumeration<? extends ZipEntry> entries = a.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                ZipFile from = entry.getName().startsWith("updaterState") ? b : a;
                zip.putNextEntry(new ZipEntry(entry.getName()));
                try (InputStream in = from.getInputStream(from.getEntry(entry.getName()))) {
                    in.transferTo(zip);
                }
                zip.closeEntry();
            }
        }
    }

    private static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append(" / ");
        }
        return sb.toString();
    }
}
