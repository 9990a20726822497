package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
)

// digestKey is the metadata entry under which the files this engine writes
// (weights and training states) record the SHA-256 of their whole content:
// every other metadata entry and every tensor's name, shape and values.
// The older "sha256" entry covers the tensor data alone, so a flipped bit
// in the header ("lr":0.001 → 0.801) went unseen. ReadWeights and
// LoadTrainCheckpoint check it (checkDigest) after the data's "sha256", so a
// damaged data section is still reported with the data's checksums.
const digestKey = "sha256_file"

// fileDigest is the hex SHA-256 of meta (but digestKey) and tensors, in an
// encoding that does not depend on how the JSON header spells them: the
// metadata by sorted key, each key and value preceded by its length, then
// the tensors by name, each as its name, its shape and its values as
// little-endian float32.
func fileDigest(meta map[string]string, tensors []NamedTensor) string {
	h := sha256.New()
	var buf []byte
	str := func(s string) {
		buf = binary.AppendUvarint(buf[:0], uint64(len(s)))
		h.Write(buf)
		h.Write([]byte(s))
	}
	h.Write([]byte("mnistgpu safetensors digest 1\n"))
	keys := make([]string, 0, len(meta))
	for k := range meta {
		if k != digestKey {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	buf = binary.AppendUvarint(buf[:0], uint64(len(keys)))
	h.Write(buf)
	for _, k := range keys {
		str(k)
		str(meta[k])
	}
	ts := append([]NamedTensor(nil), tensors...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	for _, t := range ts {
		str(t.Name)
		buf = binary.AppendUvarint(buf[:0], uint64(len(t.Shape)))
		for _, d := range t.Shape {
			buf = binary.AppendUvarint(buf, uint64(d))
		}
		buf = binary.AppendUvarint(buf, uint64(len(t.Data)))
		h.Write(buf)
		buf = buf[:0]
		for _, v := range t.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) >= 1<<16 {
				h.Write(buf)
				buf = buf[:0]
			}
		}
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sealMetadata records in meta the digest of meta and tensors (digestKey),
// as the files this engine writes carry it; call it last, after every other
// entry is set.
func sealMetadata(meta map[string]string, tensors []NamedTensor) {
	meta[digestKey] = fileDigest(meta, tensors)
}

// checkDigest refuses a decoded file whose recorded digest (digestKey)
// differs from that of its metadata and tensors, naming path; a file that
// records none passes (sealed reports whether it recorded one).
func checkDigest(path string, meta map[string]string, ts map[string]NamedTensor) (sealed bool, err error) {
	want, ok := meta[digestKey]
	if !ok {
		return false, nil
	}
	if got := fileDigest(meta, slices.Collect(maps.Values(ts))); got != want {
		return true, fmt.Errorf("%s: checksum mismatch (SHA-256 of header and data %s, recorded %s): the file is corrupt", path, got, want)
	}
	return true, nil
}
