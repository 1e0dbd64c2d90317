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
 * error for a missing topic and for an unreachable cluster is the same ("not present in metadata"), so an admin
 * client, made on first need, asks the cluster which one it is.
 */
final class KafkaProblems implements AutoCloseable {
    private final Properties adminProps;
    private final String servers;
    private Admin admin;
    private boolean closed;

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
    String explain(String topic, Throwable e, String ruleKey) {
        if (e instanceof AuthenticationException) {
            return "Kafka refused the login (check kafka.sasl and kafka.ca/cert/key): " + e.getMessage();
        }
        if (e instanceof AuthorizationException) {
            return "not allowed to write to Kafka topic '" + topic + "' (check the broker's ACLs for kafka.sasl.username): "
                    + e.getMessage();
        }
        if (isTooLarge(e)) {
            return "message larger than Kafka accepts (kafka.producer.max_request_size, or the broker's message.max.bytes): "
                    + e.getMessage();
        }
        if (e instanceof UnknownTopicOrPartitionException
                || (e instanceof TimeoutException && String.valueOf(e.getMessage()).contains("not present in metadata"))) {
            return whyNoMetadata(topic, e, ruleKey);
        }
        return String.valueOf(e);
    }

    private synchronized String whyNoMetadata(String topic, Throwable e, String ruleKey) {
        try {
            if (closed) {
                return String.valueOf(e);
            }
            if (admin == null) {
                admin = Admin.create(adminProps);
            }
            admin.describeTopics(List.of(topic), new DescribeTopicsOptions().timeoutMs(3000))
                    .allTopicNames().get(5, TimeUnit.SECONDS);
            return "Kafka topic '" + topic + "' exists but its metadata did not arrive in time: " + e.getMessage();
        } catch (ExecutionException ee) {
            Throwable cause = ee.getCause();
            if (cause instanceof UnknownTopicOrPartitionException) {
                return "Kafka topic '" + topic + "' does not exist and the broker does not create topics on first use "
                        + "(auto.create.topics.enable=false): create it, or change " + ruleKey + ".kafka.topic";
            }
            if (cause instanceof AuthenticationException || cause instanceof AuthorizationException) {
                return explain(topic, cause, ruleKey);
            }
            return "Kafka is not reachable at " + servers + " (kafka.bootstrap_servers): " + cause.getMessage();
        } catch (java.util.concurrent.TimeoutException te) {
            return "Kafka is not reachable at " + servers + " (kafka.bootstrap_servers): " + e.getMessage();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return String.valueOf(e);
        } catch (RuntimeException re) {
            return String.valueOf(e) + " (" + re.getMessage() + ")";
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(1));
        }
    }
}
