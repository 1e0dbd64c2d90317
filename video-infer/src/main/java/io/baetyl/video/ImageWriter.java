package io.baetyl.video;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * Writes a frame to the {@code imageLocation} a function asked for (the original's {@code IMWrite}), in the format
 * its extension names ({@code .jpg} in the docs). The location must be inside one of the service's volumes; the
 * file appears complete or not at all (written beside it, then renamed), so a reader such as the docs' {@code mark}
 * function never sees half an image; nothing is written while the disk has less than {@code free.min} left.
 */
final class ImageWriter {
    /** The image was not written: refused (outside the volumes, disk nearly full) or failed; the text says why. */
    static final class ImageException extends Exception {
        final boolean refused;

        ImageException(String message, boolean refused) {
            super(message);
            this.refused = refused;
        }
    }

    private final ServiceVolumes volumes;
    private final long minFree;
    private final MatOfByte encoded = new MatOfByte();

    ImageWriter(ServiceVolumes volumes, long minFreeBytes) {
        this.volumes = volumes;
        this.minFree = minFreeBytes;
    }

    /** Writes {@code frame} to {@code location}; returns the file written. */
    Path write(String location, Mat frame) throws ImageException {
        Path file;
        try {
            file = volumes.resolve(location);
        } catch (ServiceVolumes.RefusedException e) {
            throw new ImageException(e.getMessage(), true);
        }
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String ext = dot <= 0 ? "" : name.substring(dot);
        if (ext.isEmpty() || !Imgcodecs.haveImageWriter(name)) {
            throw new ImageException("imageLocation '" + location + "': no image format for its extension ('"
                    + ext + "'; use .jpg or .png)", true);
        }
        try {
            Files.createDirectories(file.getParent());
            volumes.checkReal(file);
            long free = Files.getFileStore(file.getParent()).getUsableSpace();
            if (free < minFree) {
                throw new ImageException("imageLocation '" + location + "': only " + free / (1 << 20) + " MB free on "
                        + "its disk, less than process.after.image.free.min (" + minFree / (1 << 20) + " MB)", true);
            }
        } catch (ServiceVolumes.RefusedException e) {
            throw new ImageException(e.getMessage(), true);
        } catch (IOException e) {
            throw new ImageException("imageLocation '" + location + "': cannot create its directory: " + e, false);
        }
        if (!Imgcodecs.imencode(ext, frame, encoded)) {
            throw new ImageException("imageLocation '" + location + "': OpenCV could not encode the frame as " + ext,
                    false);
        }
        byte[] bytes = encoded.toArray();
        Path tmp = file.resolveSibling("." + name + ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the write failed already; report that
            }
            throw new ImageException("imageLocation '" + location + "': cannot write it: " + e, false);
        }
        return file;
    }

    void close() {
        encoded.release();
    }
}
