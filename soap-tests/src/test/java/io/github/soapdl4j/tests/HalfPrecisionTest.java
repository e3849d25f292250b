package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Half-precision networks are refused by bind with a message that says what to do instead. (Deeplearning4j
 * M2.1 itself rejects BFLOAT16 network configurations and fails in backpropagation on converted BFLOAT16
 * networks, so HALF is the case that matters; the updater's own check covers both.)
 */
class HalfPrecisionTest {

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"HALF"})
    void bindRefusesHalfPrecision(DataType type) {
        MultiLayerNetwork net = new MultiLayerNetwork(TestNets.mlpConf(new Soap(), type));
        net.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Soap.bind(net));
        assertTrue(e.getMessage().contains(type.toString()) && e.getMessage().contains("DataType.FLOAT"),
                e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"HALF"})
    void networkConvertedAfterBindRefusesToTrain(DataType type) {
        MultiLayerNetwork net = TestNets.mlp(new Soap(), DataType.FLOAT).convertDataType(type);
        Throwable thrown = assertThrows(RuntimeException.class,
                () -> net.fit(TestNets.classification(1, 8, 1, type).get(0)));
        boolean named = false;
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            named |= t.getMessage() != null && t.getMessage().contains("Soap supports FLOAT and DOUBLE");
        }
        assertTrue(named, "refusal should explain the data type: " + thrown);
    }
}
