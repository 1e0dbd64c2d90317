package io.baetyl.sdk;

/** Environment variable names the master gives every instance (with the OPENEDGE_* aliases of Baetyl 0.x). */
public final class Env {
    public static final String MASTER_API_ADDRESS = "BAETYL_MASTER_API_ADDRESS";
    public static final String MASTER_API_SOCKET = "BAETYL_MASTER_API_SOCKET";
    public static final String MASTER_API_VERSION = "BAETYL_MASTER_API_VERSION";
    public static final String HOST_OS = "BAETYL_HOST_OS";
    public static final String HOST_ID = "BAETYL_HOST_ID";
    public static final String HOST_SN = "BAETYL_HOST_SN";
    public static final String SERVICE_MODE = "BAETYL_SERVICE_MODE";
    public static final String SERVICE_NAME = "BAETYL_SERVICE_NAME";
    public static final String SERVICE_TOKEN = "BAETYL_SERVICE_TOKEN";
    public static final String SERVICE_INSTANCE_NAME = "BAETYL_SERVICE_INSTANCE_NAME";
    public static final String SERVICE_INSTANCE_ADDRESS = "BAETYL_SERVICE_INSTANCE_ADDRESS";

    public static final String OE_MASTER_API = "OPENEDGE_MASTER_API";
    public static final String OE_MASTER_API_VERSION = "OPENEDGE_MASTER_API_VERSION";
    public static final String OE_HOST_OS = "OPENEDGE_HOST_OS";
    public static final String OE_HOST_ID = "OPENEDGE_HOST_ID";
    public static final String OE_RUNNING_MODE = "OPENEDGE_RUNNING_MODE";
    public static final String OE_SERVICE_NAME = "OPENEDGE_SERVICE_NAME";
    public static final String OE_SERVICE_TOKEN = "OPENEDGE_SERVICE_TOKEN";
    public static final String OE_SERVICE_INSTANCE_NAME = "OPENEDGE_SERVICE_INSTANCE_NAME";
    public static final String OE_SERVICE_ADDRESS = "OPENEDGE_SERVICE_ADDRESS";
    public static final String OE_SERVICE_INSTANCE_ADDRESS = "OPENEDGE_SERVICE_INSTANCE_ADDRESS";

    /** The REST API auth headers (the names kept their OpenEdge spelling in Baetyl 1.x). */
    public static final String HEADER_USERNAME = "x-openedge-username";
    public static final String HEADER_PASSWORD = "x-openedge-password";

    private Env() {
    }
}
