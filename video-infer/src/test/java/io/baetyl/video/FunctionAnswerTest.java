package io.baetyl.video;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FunctionAnswerTest {
    static FunctionAnswer parse(String json) throws Exception {
        return FunctionAnswer.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheKeysTheOriginalRead() throws Exception {
        FunctionAnswer a = parse("""
                {"imageDiscard": false, "imageLocation": "var/db/baetyl/image/1.jpg", "publishTopic": "video/infer/result",
                 "imageObjects": [{"class": "person"}], "z": 1, "a": 2}""");
        assertThat(a.discard()).isFalse();
        assertThat(a.location()).isEqualTo("var/db/baetyl/image/1.jpg");
        assertThat(a.topic()).isEqualTo("video/infer/result");
        assertThat(a.qos()).isZero();
        // Go's json.Marshal of a map writes keys sorted; the other keys pass through.
        assertThat(a.content.keySet()).containsExactly("a", "imageDiscard", "imageLocation", "imageObjects",
                "publishTopic", "z");
    }

    @Test
    void imageDiscardIsTrueOrTheStringTrue() throws Exception {
        assertThat(parse("{\"imageDiscard\": true}").discard()).isTrue();
        assertThat(parse("{\"imageDiscard\": \"TRUE\"}").discard()).isTrue();
        assertThat(parse("{\"imageDiscard\": \"yes\"}").discard()).isFalse();
        assertThat(parse("{\"imageDiscard\": 1}").discard()).isFalse();
        assertThat(parse("{}").discard()).isFalse();
    }

    @Test
    void publishQosIsHonoured() throws Exception {
        // The original read it as a Go int, which a JSON number never is: it always published QoS 0.
        assertThat(parse("{\"publishTopic\": \"t\", \"publishQOS\": 1}").qos()).isEqualTo(1);
        assertThat(parse("{\"publishTopic\": \"t\", \"publishQOS\": 1.0}").qos()).isEqualTo(1);
        assertThat(parse("{\"publishTopic\": \"t\", \"publishQOS\": \"1\"}").qos()).isEqualTo(1);
        assertThat(parse("{\"publishTopic\": \"t\", \"publishQOS\": 2}").qos()).isEqualTo(2);
        assertThat(parse("{\"publishTopic\": \"t\", \"publishQOS\": 0}").qos()).isZero();
        assertThatThrownBy(() -> parse("{\"publishQOS\": 3}")).hasMessage("publishQOS must be 0, 1 or 2, got 3");
        assertThatThrownBy(() -> parse("{\"publishQOS\": 0.5}")).hasMessage("publishQOS must be 0, 1 or 2, got 0.5");
        assertThatThrownBy(() -> parse("{\"publishQOS\": \"high\"}")).hasMessage("publishQOS must be 0, 1 or 2, got high");
    }

    @Test
    void anAnswerWithoutTopicHasNone() throws Exception {
        assertThat(parse("{\"imageDiscard\": true}").topic()).isNull();
        assertThat(parse("{\"publishTopic\": \"\"}").topic()).isNull();
        assertThat(parse("{\"publishTopic\": null}").topic()).isNull();
    }

    @Test
    void answersVideoInferCannotUseAreErrorsSayingWhy() {
        assertThatThrownBy(() -> parse("[1, 2]")).isInstanceOf(FunctionAnswer.BadAnswerException.class)
                .hasMessage("the answer is not a JSON object: '[1, 2]'");
        assertThatThrownBy(() -> parse("Hello")).hasMessage("the answer is not a JSON object: 'Hello'");
        assertThatThrownBy(() -> parse("null")).hasMessage("the answer is not a JSON object: 'null'");
        assertThatThrownBy(() -> parse("{\"publishTopic\": \"a/#\"}"))
                .hasMessage("publishTopic 'a/#' is not a topic to publish to (no +, # or NUL)");
        assertThatThrownBy(() -> parse("{\"publishTopic\": 5}")).hasMessage("publishTopic must be a string, got 5");
        assertThatThrownBy(() -> parse("{\"imageLocation\": [\"x\"]}"))
                .hasMessage("imageLocation must be a string, got [x]");
    }
}
