package io.github.soapdl4j.tests;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects what one logger writes while it is open. In this module SLF4J logs through Log4j 2 (the binding Spark
 * brings), so an appender added to the Log4j logger sees the library's SLF4J warnings.
 */
final class CapturedLog implements AutoCloseable {
    private final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private final Logger logger;
    private final AbstractAppender appender;

    CapturedLog(Class<?> loggerClass) {
        logger = (Logger) LogManager.getLogger(loggerClass);
        appender = new AbstractAppender("captured-" + System.identityHashCode(this), null, null, true,
                Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                events.add(event.toImmutable());
            }
        };
        appender.start();
        logger.addAppender(appender);
    }

    /** @return the messages logged at WARN, in order */
    List<String> warnings() {
        return events.stream().filter(e -> e.getLevel() == org.apache.logging.log4j.Level.WARN)
                .map(e -> e.getMessage().getFormattedMessage()).collect(java.util.stream.Collectors.toList());
    }

    @Override
    public void close() {
        logger.removeAppender(appender);
        appender.stop();
    }
}
