package io.baetyl.kafka;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Says in a user's words why Kafka did not take a record, and whether sending it again can help. The producer's own
 * error for a missing topic and for an unreachable cluster is the same ("not present in metadata"), so a short-lived
 * admin client asks the cluster which one it is.
 */
final class KafkaProblems implements AutoCloseable {
    private final Properties adminProps;
    private final String servers;
    private boolean closed;

    /** What went wrong: {@code summary} stays the same while the cause does (it decides when to log again). */
    record Problem(String summary, String detail) {
        @Override
        public String toString() {
            return detail == null || detail.isEmpty() ? summary : summary + ": " + detail;
        }
    }

    KafkaProblems(RemoteKafkaConfig.Kafka kafka) {
        this.adminProps = KafkaSettings.admin(kafka);
        this.servers = String.join(",", KafkaSettings.servers(kafka));
    }

    /** Errors for which sending again cannot succeed: the message is dropped, counted, and acknowledged to the hub. */
    static boolean isPermanent(Throwable e) {
        return e instanceof RecordTooLargeException || e instanceof RecordBatchTooLargeException
                || e instanceof InvalidTopicException;
    }

    static boolean isTooLarge(Throwable e) {
        return e instanceof RecordTooLargeException || e instanceof RecordBatchTooLargeException;
    }

    /** Why {@code e} happened while sending to {@code topic}, with the key to check. */
    Problem explain(String topic, Throwable e, String ruleKey) {
        if (e instanceof AuthenticationException) {
            return new Problem("Kafka refused the login (check kafka.sasl and kafka.ca/cert/key)", e.getMessage());
        }
        if (e instanceof AuthorizationException) {
            return new Problem("not allowed to write to Kafka topic '" + topic
                    + "' (check the broker's ACLs for kafka.sasl.username)", e.getMessage());
        }
        if (isTooLarge(e)) {
            return new Problem("message larger than Kafka accepts (kafka.producer.max_request_size, or the broker's "
                    + "message.max.bytes)", e.getMessage());
        }
        if (e instanceof UnknownTopicOrPartitionException
                || (e instanceof TimeoutException && String.valueOf(e.getMessage()).contains("not present in metadata"))) {
            return whyNoMetadata(topic, e, ruleKey);
        }
        return new Problem(e.getClass().getSimpleName(), e.getMessage());
    }

    private synchronized Problem whyNoMetadata(String topic, Throwable e, String ruleKey) {
        if (closed) {
            return new Problem(e.getClass().getSimpleName(), e.getMessage());
        }
        // Short-lived: a lasting admin client would keep reconnecting (and logging) through a whole outage.
        try (Admin admin = Admin.create(adminProps)) {
            admin.describeTopics(List.of(topic), new DescribeTopicsOptions().timeoutMs(3000))
                    .allTopicNames().get(5, TimeUnit.SECONDS);
            return new Problem("Kafka topic '" + topic + "' exists but its metadata did not arrive in time", e.getMessage());
        } catch (ExecutionException ee) {
            Throwable cause = ee.getCause();
            if (cause instanceof UnknownTopicOrPartitionException) {
                return new Problem("Kafka topic '" + topic + "' does not exist and the broker does not create topics on "
                        + "first use (auto.create.topics.enable=false): create it, or change " + ruleKey + ".kafka.topic", "");
            }
            if (cause instanceof AuthenticationException || cause instanceof AuthorizationException) {
                return explain(topic, cause, ruleKey);
            }
            return unreachable(cause);
        } catch (java.util.concurrent.TimeoutException te) {
            return unreachable(e);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return new Problem(e.getClass().getSimpleName(), e.getMessage());
        } catch (RuntimeException re) {
            return new Problem(e.getClass().getSimpleName(), e.getMessage() + " (" + re.getMessage() + ")");
        }
    }

    private Problem unreachable(Throwable e) {
        return new Problem("Kafka is not reachable at " + servers + " (kafka.bootstrap_servers)", e.getMessage());
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
