package engine

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestSummaryTotals(t *testing.T) {
	for name, want := range map[string]string{"cnn": "421,642", "mlp": "101,770", "mlp2": "669,706"} {
		m, err := Presets[name].Build()
		if err != nil {
			t.Fatal(err)
		}
		s := m.Summary()
		if !strings.Contains(s, "Total params: "+want+"\n") || !strings.Contains(s, "Trainable params: "+want+"\n") {
			t.Errorf("%s summary lacks %s:\n%s", name, want, s)
		}
	}
	m, _ := Presets["cnn"].Build()
	s := m.Summary()
	for _, row := range []string{"conv2d_1 (Conv2D)", "(None, 28, 28, 32)", "max_pooling2d_2 (MaxPooling2D)", "(None, 7, 7, 64)", "flatten_1 (Flatten)", "(None, 3136)", "dense_2 (Dense)", "1290"} {
		if !strings.Contains(s, row) {
			t.Errorf("cnn summary lacks %q", row)
		}
	}
}

func TestFormatTemplate(t *testing.T) {
	logs := Logs{"val_loss": 0.04567, "loss": 0.1, "val_accuracy": 0.98765}
	for _, c := range []struct{ tmpl, want string }{
		{"weights0.{epoch:02d}-{val_loss:.2f}.safetensors", "weights0.03-0.05.safetensors"},
		{"w{epoch}.st", "w3.st"},
		{"{epoch:03d}_{val_accuracy:.4f}", "003_0.9877"},
		{"{{literal}}-{epoch:d}", "{literal}-3"},
		{"{val_loss:.1e}", "4.6e-02"},
		{"{loss}", "0.1"},
		{"{epoch:4d}", "   3"},
	} {
		got, err := FormatTemplate(c.tmpl, 3, logs)
		if err != nil || got != c.want {
			t.Errorf("FormatTemplate(%q) = %q, %v; want %q", c.tmpl, got, err, c.want)
		}
	}
	for _, bad := range []string{"{nope}", "{epoch", "a}b", "{val_loss:.2x}", "{val_loss:d}"} {
		if _, err := FormatTemplate(bad, 1, logs); err == nil {
			t.Errorf("FormatTemplate(%q) succeeded, want an error", bad)
		}
	}
}

func testSet(n int) Dataset {
	d := Dataset{Images: make([]uint8, n*4), Labels: make([]uint8, n), Shape: Shape{2, 2, 1}, Classes: 10}
	for i := 0; i < n; i++ {
		d.Images[i*4] = uint8(i)
		d.Labels[i] = uint8(i % 10)
	}
	return d
}

func TestSplitValidationTail(t *testing.T) {
	d := testSet(103)
	train, val, err := SplitValidation(d, 0.2, SplitTail, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Keras: split_at = floor(103·0.8) = 82; validation is the last 21 samples.
	if train.Len() != 82 || val.Len() != 21 {
		t.Fatalf("split sizes %d/%d, want 82/21", train.Len(), val.Len())
	}
	for i := 0; i < val.Len(); i++ {
		if val.Images[i*4] != uint8(82+i) {
			t.Fatalf("validation sample %d is original %d, want %d", i, val.Images[i*4], 82+i)
		}
	}
	for i := 0; i < train.Len(); i++ {
		if train.Images[i*4] != uint8(i) {
			t.Fatalf("training sample %d is original %d", i, train.Images[i*4])
		}
	}
}

func TestSplitValidationStratifiedAndRandom(t *testing.T) {
	d := testSet(200)
	_, val, err := SplitValidation(d, 0.25, SplitStratified, 5)
	if err != nil {
		t.Fatal(err)
	}
	count := map[uint8]int{}
	for _, l := range val.Labels {
		count[l]++
	}
	for c := uint8(0); c < 10; c++ {
		if count[c] != 5 {
			t.Errorf("class %d has %d validation samples, want 5", c, count[c])
		}
	}
	_, v1, _ := SplitValidation(d, 0.25, SplitRandom, 5)
	_, v2, _ := SplitValidation(d, 0.25, SplitRandom, 5)
	_, v3, _ := SplitValidation(d, 0.25, SplitRandom, 6)
	if !bytes.Equal(v1.Images, v2.Images) || bytes.Equal(v1.Images, v3.Images) || v1.Len() != 50 {
		t.Error("random split is not a seeded function of the seed")
	}
	if _, _, err := SplitValidation(d, 1, SplitTail, 0); err == nil {
		t.Error("split 1.0 accepted")
	}
	if _, _, err := SplitValidation(d, 0.2, "nope", 0); err == nil {
		t.Error("unknown split mode accepted")
	}
}

func TestSafetensorsRoundTripAndValidation(t *testing.T) {
	in := []NamedTensor{{"b.bias", []int{3}, []float32{1, -2, 3.5}}, {"a.kernel", []int{2, 2}, []float32{0.25, 0, -1, float32(math.Inf(1))}}}
	var buf bytes.Buffer
	if err := EncodeSafetensors(&buf, in, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	got, meta, err := DecodeSafetensors("mem", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if meta["k"] != "v" || len(got) != 2 {
		t.Fatalf("meta %v, %d tensors", meta, len(got))
	}
	for _, w := range in {
		g := got[w.Name]
		if len(g.Data) != len(w.Data) {
			t.Fatalf("%s: %v", w.Name, g)
		}
		for i := range w.Data {
			if g.Data[i] != w.Data[i] {
				t.Fatalf("%s[%d] = %v, want %v", w.Name, i, g.Data[i], w.Data[i])
			}
		}
	}
	raw := buf.Bytes()
	hl := int(raw[0])
	bad := map[string][]byte{
		"short":       raw[:5],
		"huge header": append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0}, raw[8:]...),
		"truncated":   raw[:len(raw)-4],
		"dup names":   withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8),
		"wrong dtype": withHeader(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, 4),
		"shape/bytes": withHeader(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8),
		"outside":     withHeader(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, 8),
		"overlap":     withHeader(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12),
		"not json":    withHeader(`[1,2]`, 0),
		"neg shape":   withHeader(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4),
		"trailing":    append(append([]byte(nil), raw...), 0, 0, 0, 0),
		"gap":         withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, 12),
		"gap first":   withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8),
		"same range":  withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4),
		"no tensors":  withHeader(`{}`, 4),
	}
	_ = hl
	for name, b := range bad {
		if _, _, err := DecodeSafetensors("bad.safetensors", b); err == nil {
			t.Errorf("%s: decoded without error", name)
		} else if !strings.Contains(err.Error(), "bad.safetensors") {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
}

func withHeader(h string, dataBytes int) []byte {
	out := make([]byte, 8, 8+len(h)+dataBytes)
	out[0] = byte(len(h))
	out[1] = byte(len(h) >> 8)
	out = append(out, h...)
	return append(out, make([]byte, dataBytes)...)
}

func TestModelSpecErrors(t *testing.T) {
	for name, src := range map[string]string{
		"unknown field": `{"input_shape":[4,4,1],"layers":[{"type":"Flatten","unit":3}]}`,
		"unknown layer": `{"input_shape":[4,4,1],"layers":[{"type":"Conv3D"}]}`,
		"no input":      `{"layers":[{"type":"Flatten"}]}`,
		"dense on 3-D":  `{"input_shape":[4,4,1],"layers":[{"type":"Dense","units":3}]}`,
		"bad act":       `{"input_shape":[4,4,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":3,"activation":"swish2"}]}`,
		"big kernel":    `{"input_shape":[2,2,1],"layers":[{"type":"Conv2D","filters":1,"kernel_size":[3,3]}]}`,
		// (in-k)/s truncates to 0 for a window up to s-1 larger than the
		// input: Keras refuses these (a negative dimension).
		"big kernel, stride 2": `{"input_shape":[4,4,1],"layers":[{"type":"Conv2D","filters":1,"kernel_size":[5,5],"strides":[2,2]}]}`,
		"big pool":             `{"input_shape":[4,4,1],"layers":[{"type":"MaxPooling2D","pool_size":[5,5]}]}`,
		"trailing":             `{"input_shape":[4,4,1],"layers":[{"type":"Flatten"}]} {}`,
	} {
		if _, err := ParseModelSpec("m.json", []byte(src)); err == nil || !strings.Contains(err.Error(), "m.json") {
			t.Errorf("%s: err = %v, want an error naming m.json", name, err)
		}
	}
	// A field of another layer type was dropped in silence (a pool's ReLU).
	for _, layer := range []string{
		`{"type":"MaxPooling2D","activation":"relu"}`,
		`{"type":"Flatten","units":5}`,
		`{"type":"Flatten"},{"type":"Dense","units":3,"kernel_size":[3,3]}`,
		`{"type":"Dropout","rate":0.5,"activation":"relu"}`,
		`{"type":"LeakyReLU","activation":"relu"}`,
		`{"type":"Conv2D","filters":2,"kernel_size":[3,3],"units":4}`,
	} {
		_, err := ParseModelSpec("m.json", []byte(`{"input_shape":[4,4,1],"layers":[`+layer+`]}`))
		if err == nil || !strings.Contains(err.Error(), "m.json") || !strings.Contains(err.Error(), " has no ") {
			t.Errorf("%s: err = %v, want one naming m.json and the field", layer, err)
		}
	}
	s, err := ParseModelSpec("ok.json", []byte(`{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":16,"activation":"relu"},{"type":"Dropout","rate":0.2},{"type":"Dense","units":10,"activation":"softmax"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := s.Build()
	if m.NumParams() != 784*16+16+16*10+10 || m.Layers[2].Name() != "dropout_1" {
		t.Errorf("parsed model: %d params, layer names %s", m.NumParams(), m.layerNames())
	}
}

func TestWithHiddenActivation(t *testing.T) {
	s := Presets["cnn"].WithHiddenActivation("sigmoid")
	for i, l := range s.Layers {
		want := "sigmoid"
		switch {
		case i == len(s.Layers)-1:
			want = "softmax"
		case l.Type == "MaxPooling2D" || l.Type == "Flatten":
			want = ""
		}
		if l.Activation != want {
			t.Errorf("layer %d (%s): activation %q, want %q", i, l.Type, l.Activation, want)
		}
	}
	if Presets["cnn"].Layers[0].Activation != "relu" {
		t.Error("WithHiddenActivation changed the preset")
	}
}

func TestEarlyStoppingScripted(t *testing.T) {
	es := &EarlyStopping{Monitor: "val_loss", Patience: 2, MinDelta: 0.01}
	st := &TrainState{}
	if err := es.TrainBegin(st); err != nil {
		t.Fatal(err)
	}
	// 1.0, 0.5 improve; 0.495 is within min_delta; 0.6 worse → stop at epoch 3.
	for epoch, v := range []float64{1.0, 0.5, 0.495, 0.6, 0.1} {
		es.EpochEnd(st, epoch, Logs{"val_loss": v})
		if st.Stop {
			if epoch != 3 || es.BestEpoch != 1 {
				t.Fatalf("stopped at epoch %d (best %d), want 3 (best 1)", epoch, es.BestEpoch)
			}
			return
		}
	}
	t.Fatal("EarlyStopping never stopped")
}

func TestHistoryCSVAndJSON(t *testing.T) {
	h := &History{}
	h.Append(0, Logs{"loss": 0.5, "accuracy": 0.8, "val_loss": 0.4, "val_accuracy": 0.85}, 1.5)
	h.Append(1, Logs{"loss": 0.25, "accuracy": 0.9, "val_loss": 0.3, "val_accuracy": 0.9}, 1.4)
	var b bytes.Buffer
	if err := h.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	want := "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.8,0.5,0.85,0.4\n1,0.9,0.25,0.9,0.3\n"
	if b.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	h.WriteJSON(&b)
	back, err := ReadHistoryJSON("h.json", &b)
	if err != nil || back.Logs[1]["val_loss"] != 0.3 || back.Seconds[0] != 1.5 {
		t.Errorf("JSON round trip: %v %v", back, err)
	}
}

func TestUniformIsCounterBased(t *testing.T) {
	var sum float64
	for i := uint64(0); i < 100000; i++ {
		u := Uniform(42, i)
		if u < 0 || u >= 1 {
			t.Fatalf("Uniform = %v", u)
		}
		sum += float64(u)
	}
	if math.Abs(sum/100000-0.5) > 0.005 {
		t.Errorf("mean %v, want ≈ 0.5", sum/100000)
	}
	if Uniform(42, 7) != Uniform(42, 7) || Uniform(42, 7) == Uniform(43, 7) {
		t.Error("Uniform is not a function of (seed, counter)")
	}
}

func TestAdamLRT(t *testing.T) {
	a := NewAdam(0.001)
	// lr·√(1-0.999)/(1-0.9) at t = 1. TensorFlow computes it in float32, where
	// 1-β2 loses digits to cancellation (1-0.999f = 0.00100004673), so the
	// float64 value is matched to 1e-5 relative, not exactly.
	want := 0.001 * math.Sqrt(1-0.999) / (1 - 0.9)
	if got := float64(a.LRT(1)); math.Abs(got-want) > 1e-5*want {
		t.Errorf("LRT(1) = %v, want %v", got, want)
	}
}
