package io.baetyl.function.manager;

import baetyl.FunctionOuterClass.FunctionMessage;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Base64;

/**
 * Errors as Baetyl's Go function manager wrote them, so that consumers of the error payload keep working:
 * {@code rpc error: code = Unknown desc = ...} for gRPC statuses (type {@code *status.statusError}), the plain
 * message otherwise (type {@code *errors.errorString}).
 */
final class GoErrors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GoErrors() {
    }

    static String message(Throwable e) {
        e = ManagedFunction.unwrap(e);
        if (e instanceof StatusRuntimeException s) {
            Status st = s.getStatus();
            String desc = st.getDescription() == null ? "" : st.getDescription();
            if (st.getCode() == Status.Code.DEADLINE_EXCEEDED) {
                // What grpc-go reports when the call's context times out; whether our deadline or the runtime's
                // (which learnt it from the grpc-timeout header) fired first is a race not worth exposing.
                desc = "context deadline exceeded";
            }
            return "rpc error: code = " + goCode(st.getCode()) + " desc = " + desc;
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    static String type(Throwable e) {
        return ManagedFunction.unwrap(e) instanceof StatusRuntimeException ? "*status.statusError" : "*errors.errorString";
    }

    /** grpc-go's codes.Code names. */
    static String goCode(Status.Code c) {
        return switch (c) {
            case OK -> "OK";
            case CANCELLED -> "Canceled";
            case UNKNOWN -> "Unknown";
            case INVALID_ARGUMENT -> "InvalidArgument";
            case DEADLINE_EXCEEDED -> "DeadlineExceeded";
            case NOT_FOUND -> "NotFound";
            case ALREADY_EXISTS -> "AlreadyExists";
            case PERMISSION_DENIED -> "PermissionDenied";
            case RESOURCE_EXHAUSTED -> "ResourceExhausted";
            case FAILED_PRECONDITION -> "FailedPrecondition";
            case ABORTED -> "Aborted";
            case OUT_OF_RANGE -> "OutOfRange";
            case UNIMPLEMENTED -> "Unimplemented";
            case INTERNAL -> "Internal";
            case UNAVAILABLE -> "Unavailable";
            case DATA_LOSS -> "DataLoss";
            case UNAUTHENTICATED -> "Unauthenticated";
        };
    }

    /**
     * The payload published after the last failed attempt:
     * {@code {"functionMessage":{...},"errorMessage":"...","errorType":"..."}}. The message is encoded like Go's
     * encoding/json does a generated protobuf struct: field names as in the .proto, zero values omitted, bytes in
     * base64.
     */
    static byte[] errorPayload(FunctionMessage msg, Throwable e) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode m = root.putObject("functionMessage");
        if (msg.getID() != 0) {
            m.put("ID", msg.getID());
        }
        if (msg.getQOS() != 0) {
            m.put("QOS", msg.getQOS());
        }
        if (!msg.getTopic().isEmpty()) {
            m.put("Topic", msg.getTopic());
        }
        if (!msg.getPayload().isEmpty()) {
            m.put("Payload", Base64.getEncoder().encodeToString(msg.getPayload().toByteArray()));
        }
        if (msg.getTimestamp() != 0) {
            m.put("Timestamp", msg.getTimestamp());
        }
        if (!msg.getFunctionName().isEmpty()) {
            m.put("FunctionName", msg.getFunctionName());
        }
        if (!msg.getFunctionInvokeID().isEmpty()) {
            m.put("FunctionInvokeID", msg.getFunctionInvokeID());
        }
        root.put("errorMessage", message(e));
        root.put("errorType", type(e));
        try {
            return JSON.writeValueAsBytes(root);
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }
}
