package conformance

import (
	"fmt"
	"math/rand/v2"

	"mnistgpu/engine"
)

// BiasLossExact checks b's BiasLossMetricsFuser, if it has one, against
// b's own BiasAdd, SoftmaxCrossEntropyMetrics and BiasGrad bit for bit (a
// NaN matching any NaN): the biased logits, probabilities, ∂loss/∂z, per-row
// loss and correctness, the metrics added onto earlier values, and the bias
// gradient, over batches of 1 to more than 8 blocks of bias_grad's rows.
func BiasLossExact(b engine.Backend) []Result {
	k, ok := b.(engine.BiasLossMetricsFuser)
	if !ok {
		return nil
	}
	r := rand.New(rand.NewPCG(27, 2))
	var out []Result
	for _, s := range [][2]int{{1, 10}, {7, 3}, {64, 10}, {257, 33}, {600, 10}, {2100, 10}} {
		rows, cols := s[0], s[1]
		z, bias, t := randVec(r, rows*cols, -3, 3), randVec(r, cols, -1, 1), oneHot(r, rows, cols)
		if rows > 1 {
			copy(z[cols:], z[:cols]) // rows 0 and 1 tie
		}
		res := Result{Op: "BiasSoftmaxCrossEntropyMetrics", Shape: fmt.Sprintf("%dx%d", rows, cols), Pass: true}
		res.Detail = biasLossCheck(k, b, rows, cols, z, bias, t)
		res.Pass = res.Detail == ""
		out = append(out, res)
	}
	return out
}

func biasLossCheck(k engine.BiasLossMetricsFuser, b engine.Backend, rows, cols int, z, bias, t []float32) string {
	const scale = 0.125
	n := rows * cols
	names := []string{"z", "probs", "dz", "loss", "correct", "metrics", "db"}
	var got [2][][]float32 // unfused, fused: each output of names
	for fused := range got {
		d := &deviceBufs{b: b}
		zb, bb, tb := d.put(z), d.put(bias), d.put(t)
		probs, dz, loss, correct, db := d.put(nans(n)), d.put(nans(n)), d.put(nans(rows)), d.put(nans(rows)), d.put(nans(cols))
		metrics := d.put([]float32{1.5, 2, 0, 0}) // the sums compared; the record is MetricsRecord's
		if fused == 1 {
			k.BiasSoftmaxCrossEntropyMetrics(rows, cols, scale, zb, bb, tb, probs, dz, loss, correct, metrics, db)
		} else {
			b.BiasAdd(rows, cols, zb, bb)
			engine.SoftmaxCrossEntropyMetrics(b, rows, cols, scale, zb, tb, probs, dz, loss, correct, metrics)
			b.BiasGrad(rows, cols, dz, db)
		}
		for i, buf := range []engine.Buffer{zb, probs, dz, loss, correct, metrics, db} {
			got[fused] = append(got[fused], d.get(buf, []int{n, n, n, rows, rows, 2, cols}[i]))
		}
		d.free()
	}
	for i, name := range names {
		if diff := sameBits(name, got[1][i], got[0][i]); diff != "" {
			return diff
		}
	}
	return ""
}
