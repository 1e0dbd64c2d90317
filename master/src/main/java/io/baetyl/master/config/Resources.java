package io.baetyl.master.config;

import io.baetyl.sdk.config.ByteSize;

/** {@code resources:} limits of one instance; applied by the docker engine only. */
public class Resources {
    public Cpu cpu = new Cpu();
    public Pids pids = new Pids();
    public Memory memory = new Memory();

    public static class Cpu {
        public double cpus;
        public String setcpus = "";
    }

    public static class Pids {
        public long limit;
    }

    public static class Memory {
        public ByteSize limit = ByteSize.ofBytes(0);
        public ByteSize swap = ByteSize.ofBytes(0);
    }
}
