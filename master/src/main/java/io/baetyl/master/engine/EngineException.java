package io.baetyl.master.engine;

/** An instance or service could not be started; the message names the service and what is wrong. */
public class EngineException extends Exception {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
