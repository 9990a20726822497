package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
)

// Safetensors: an 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
// "__metadata__": {"k": "v"}}, then the tensor bytes. Only F32 is used.

// NamedTensor is one F32 tensor of a safetensors file.
type NamedTensor struct {
	Name  string
	Shape []int
	Data  []float32
}

type stEntry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// maxHeader bounds the JSON header (the format's reference reader uses 100 MB).
const maxHeader = 100 << 20

// EncodeSafetensors writes tensors (sorted by name) and metadata.
func EncodeSafetensors(w io.Writer, tensors []NamedTensor, meta map[string]string) error {
	ts := append([]NamedTensor(nil), tensors...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	header := map[string]any{}
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	var off int64
	for _, t := range ts {
		if Shape(t.Shape).Size() != len(t.Data) {
			return fmt.Errorf("safetensors: tensor %q has shape %v but %d values", t.Name, t.Shape, len(t.Data))
		}
		n := int64(len(t.Data)) * 4
		header[t.Name] = stEntry{DType: "F32", Shape: t.Shape, Offsets: [2]int64{off, off + n}}
		off += n
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return err
	}
	for len(hj)%8 != 0 { // align the data section, as the reference writer does
		hj = append(hj, ' ')
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hj)))
	bw := &errWriter{w: w}
	bw.write(lenBuf[:])
	bw.write(hj)
	if bw.err != nil {
		return bw.err
	}
	return writeTensorData(w, ts)
}

// writeTensorData writes the data section of a safetensors file holding ts
// (already sorted by name): each tensor's values as little-endian float32,
// one tensor after another.
func writeTensorData(w io.Writer, ts []NamedTensor) error {
	bw := &errWriter{w: w}
	buf := make([]byte, 0, 1<<16)
	for _, t := range ts {
		for _, v := range t.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				bw.write(buf)
				buf = buf[:0]
			}
		}
	}
	bw.write(buf)
	return bw.err
}

// tensorDataSHA256 is the hex SHA-256 of the data section EncodeSafetensors
// writes for tensors: what a file's "sha256" metadata records.
func tensorDataSHA256(tensors []NamedTensor) string {
	ts := append([]NamedTensor(nil), tensors...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	h := sha256.New()
	writeTensorData(h, ts) // a hash.Hash never fails to write
	return hex.EncodeToString(h.Sum(nil))
}

// dataSection is what follows the header of a safetensors file, or nil if
// the header length does not fit in raw.
func dataSection(raw []byte) []byte {
	if len(raw) < 8 {
		return nil
	}
	hl := binary.LittleEndian.Uint64(raw)
	if hl > uint64(len(raw)-8) {
		return nil
	}
	return raw[8+hl:]
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) write(p []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(p)
	}
}

// DecodeSafetensors parses a whole safetensors file held in raw. It checks the
// header length, that every tensor is F32, that shape and byte range agree,
// that ranges fill the data section without gaps, overlaps or trailing bytes,
// and that names are unique. file names the source in errors.
func DecodeSafetensors(file string, raw []byte) (map[string]NamedTensor, map[string]string, error) {
	fail := func(format string, a ...any) (map[string]NamedTensor, map[string]string, error) {
		return nil, nil, fmt.Errorf("%s: %s", file, fmt.Sprintf(format, a...))
	}
	if len(raw) < 8 {
		return fail("not a safetensors file: %d bytes, shorter than the 8-byte header length", len(raw))
	}
	hl := binary.LittleEndian.Uint64(raw[:8])
	if hl > maxHeader || hl > uint64(len(raw)-8) {
		return fail("safetensors header length %d exceeds the file (%d bytes) or the %d-byte limit", hl, len(raw), maxHeader)
	}
	hdr := raw[8 : 8+hl]
	dataSec := raw[8+hl:]
	// Reject duplicate keys, which encoding/json would silently merge.
	dec := json.NewDecoder(bytes.NewReader(hdr))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fail("safetensors header is not a JSON object")
	}
	tensors := map[string]NamedTensor{}
	var meta map[string]string
	type span struct{ a, b int64 }
	var spans []span
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail("bad safetensors header: %v", err)
		}
		name, _ := tok.(string)
		if _, dup := tensors[name]; dup || (name == "__metadata__" && meta != nil) {
			return fail("duplicate tensor name %q in header", name)
		}
		if name == "__metadata__" {
			if err := dec.Decode(&meta); err != nil {
				return fail("bad __metadata__: %v", err)
			}
			if meta == nil {
				meta = map[string]string{}
			}
			continue
		}
		var e stEntry
		if err := dec.Decode(&e); err != nil {
			return fail("tensor %q: bad header entry: %v", name, err)
		}
		if e.DType != "F32" {
			return fail("tensor %q has dtype %s; only F32 is supported", name, e.DType)
		}
		n := int64(1)
		for _, d := range e.Shape {
			if d < 0 || int64(d) > 1<<31 || n*int64(max(d, 1)) > 1<<34 {
				return fail("tensor %q has an invalid shape %v", name, e.Shape)
			}
			n *= int64(d)
		}
		a, b := e.Offsets[0], e.Offsets[1]
		if a < 0 || b < a || b > int64(len(dataSec)) {
			return fail("tensor %q has data_offsets [%d, %d] outside the %d-byte data section", name, a, b, len(dataSec))
		}
		if b-a != n*4 {
			return fail("tensor %q: shape %v needs %d bytes but data_offsets span %d", name, e.Shape, n*4, b-a)
		}
		spans = append(spans, span{a, b})
		vals := make([]float32, n)
		for i := range vals {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(dataSec[a+int64(i)*4:]))
		}
		tensors[name] = NamedTensor{Name: name, Shape: e.Shape, Data: vals}
	}
	if _, err := dec.Token(); err != nil {
		return fail("bad safetensors header: %v", err)
	}
	// As the reference implementation checks: sorted by their ranges, the
	// tensors tile the data section from 0 to its end, with no gap, overlap
	// or trailing bytes (data a reader would ignore, or bytes two tensors
	// share).
	sort.Slice(spans, func(i, j int) bool {
		return spans[i].a < spans[j].a || spans[i].a == spans[j].a && spans[i].b < spans[j].b
	})
	var end int64
	for _, s := range spans {
		switch {
		case s.a < end:
			return fail("tensors overlap in the data section at byte %d", s.a)
		case s.a > end:
			return fail("a gap in the data section: bytes %d to %d belong to no tensor", end, s.a)
		}
		end = s.b
	}
	if end != int64(len(dataSec)) {
		return fail("%d bytes after the tensors' data (the data section is %d bytes, its tensors end at byte %d)", int64(len(dataSec))-end, len(dataSec), end)
	}
	return tensors, meta, nil
}
