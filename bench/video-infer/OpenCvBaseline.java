import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.dnn.Dnn;
import org.opencv.dnn.Net;
import org.opencv.videoio.VideoCapture;

/**
 * The floor video-infer is compared with: OpenCV alone, in one thread, doing what video-infer does before it calls
 * the function (decode a frame, blobFromImage 300x300 with swapRB, forward), on the same model and video, with the
 * file played in a loop. Prints frames/s.
 * Usage: javac -d OUT -cp /usr/share/java/opencv.jar OpenCvBaseline.java
 *        java -cp /usr/share/java/opencv.jar:OUT OpenCvBaseline MODEL VIDEO SECONDS
 * (bench/video-infer.sh does both.)
 */
public class OpenCvBaseline {
    public static void main(String[] a) {
        System.loadLibrary(Core.NATIVE_LIBRARY_NAME);
        Net net = Dnn.readNet(a[0], "");
        long seconds = Long.parseLong(a[2]);
        Mat frame = new Mat();
        VideoCapture cap = new VideoCapture(a[1]);
        long frames = 0;
        long t0 = System.nanoTime();
        long end = t0 + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            if (!cap.read(frame)) {
                cap.release();
                cap = new VideoCapture(a[1]);
                continue;
            }
            Mat blob = Dnn.blobFromImage(frame, 1.0, new Size(300, 300), new Scalar(0, 0, 0, 0), true, false);
            net.setInput(blob);
            Mat out = net.forward();
            out.release();
            blob.release();
            frames++;
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("opencv-only frames=%d seconds=%.1f fps=%.1f%n", frames, s, frames / s);
    }
}
