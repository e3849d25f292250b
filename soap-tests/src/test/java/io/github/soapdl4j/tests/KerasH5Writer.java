package io.github.soapdl4j.tests;

import org.bytedeco.hdf5.Attribute;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.hdf5.StrType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.bytedeco.hdf5.global.hdf5.H5F_ACC_TRUNC;
import static org.bytedeco.hdf5.global.hdf5.H5S_SCALAR;
import static org.bytedeco.hdf5.global.hdf5.H5T_VARIABLE;

/**
 * Writes the HDF5 file Keras 2's {@code model.save("model.h5")} produces, from a {@code model_config} JSON, a
 * {@code training_config} JSON and each layer's weights in Keras's own layouts, so that {@code KerasModelImport}
 * reads it as it reads a file saved by Keras (no Keras on this machine):
 * <ul>
 *   <li>root attributes {@code keras_version}, {@code backend}, {@code model_config}, {@code training_config}
 *       (variable-length strings, as h5py stores Python strings);</li>
 *   <li>group {@code model_weights} with attributes {@code layer_names}, {@code backend}, {@code keras_version};</li>
 *   <li>per layer with weights, group {@code model_weights/NAME} with attribute {@code weight_names}
 *       ({@code NAME/kernel:0}, ...; fixed-length strings, as NumPy byte arrays are stored) and data sets
 *       {@code model_weights/NAME/NAME/kernel:0}, ... (row-major float32).</li>
 * </ul>
 * Layers without weights get no group: the importer reads only the groups present.
 *
 * <p>The importer reads {@code model_config} through a 2048-byte buffer first; longer attributes written by this
 * writer did not import (earlier finding), so the configurations the tests write stay below that.
 */
final class KerasH5Writer {
    static final String KERAS_VERSION = "2.4.0";
    private static final String BACKEND = "tensorflow";
    static final int MAX_CONFIG_BYTES = 2047;

    static {
        Loader.load(org.bytedeco.hdf5.global.hdf5.class);
    }

    private KerasH5Writer() {
    }

    /**
     * @param weights per layer name (in Keras's order), its weights by Keras name ({@code kernel},
     *                {@code recurrent_kernel}, {@code bias}, {@code gamma}, ...) in Keras's layout, 'c' order
     */
    static void write(File file, String modelConfig, String trainingConfig,
                      Map<String, Map<String, INDArray>> weights) {
        int bytes = modelConfig.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_CONFIG_BYTES) {
            throw new IllegalArgumentException("model_config has " + bytes + " bytes; the importer reads at most "
                    + MAX_CONFIG_BYTES + " of what this writer writes");
        }
        // The HDF5 library is not thread-safe; Deeplearning4j's importer serializes on this lock too.
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            try (H5File h5 = new H5File(file.getPath(), H5F_ACC_TRUNC())) {
                writeString(h5, "keras_version", KERAS_VERSION);
                writeString(h5, "backend", BACKEND);
                writeString(h5, "model_config", modelConfig);
                writeString(h5, "training_config", trainingConfig);
                try (Group root = h5.createGroup("model_weights")) {
                    writeStrings(root, "layer_names", new ArrayList<>(weights.keySet()));
                    writeString(root, "backend", BACKEND);
                    writeString(root, "keras_version", KERAS_VERSION);
                    for (Map.Entry<String, Map<String, INDArray>> layer : weights.entrySet()) {
                        writeLayer(root, layer.getKey(), layer.getValue());
                    }
                }
            }
        }
    }

    private static void writeLayer(Group root, String name, Map<String, INDArray> params) {
        try (Group layer = root.createGroup(name); Group inner = layer.createGroup(name)) {
            List<String> names = new ArrayList<>();
            for (String param : params.keySet()) {
                names.add(name + "/" + param + ":0");
            }
            writeStrings(layer, "weight_names", names);
            for (Map.Entry<String, INDArray> p : params.entrySet()) {
                writeFloats(inner, p.getKey() + ":0", p.getValue());
            }
        }
    }

    private static void writeFloats(Group group, String name, INDArray values) {
        float[] data = values.castTo(DataType.FLOAT).dup('c').data().asFloat();
        long[] shape = values.shape();
        try (DataSpace space = new DataSpace(shape.length, shape);
             DataSet set = group.createDataSet(name, PredType.IEEE_F32LE(), space);
             FloatPointer buffer = new FloatPointer(data)) {
            set.write(buffer, PredType.NATIVE_FLOAT());
        }
    }

    private static void writeString(Group location, String name, String value) {
        try (StrType type = new StrType(PredType.C_S1(), H5T_VARIABLE());
             DataSpace scalar = new DataSpace(H5S_SCALAR);
             Attribute attribute = location.createAttribute(name, type, scalar)) {
            attribute.write(type, value);
        }
    }

    private static void writeStrings(Group location, String name, List<String> values) {
        int width = Math.max(1, values.stream().mapToInt(v -> v.getBytes(StandardCharsets.UTF_8).length).max()
                .orElse(1));
        byte[] padded = new byte[width * values.size()];
        for (int i = 0; i < values.size(); i++) {
            byte[] bytes = values.get(i).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(bytes, 0, padded, i * width, bytes.length);
        }
        try (StrType type = new StrType(PredType.C_S1(), width);
             DataSpace space = new DataSpace(1, new long[] {values.size()});
             Attribute attribute = location.createAttribute(name, type, space);
             BytePointer buffer = new BytePointer(padded)) {
            // Through Pointer, not BytePointer: the BytePointer overload takes a C++ std::string.
            attribute.write(type, (Pointer) buffer);
        }
    }
}
