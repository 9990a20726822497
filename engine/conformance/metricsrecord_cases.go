package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"

	"mnistgpu/engine"
)

// MetricsRecord checks the record of the first non-finite loss sum that b's
// metrics kernels (LossMetricsFuser, BiasLossMetricsFuser, MetricsAdder), if
// it has them,
// keep after the sums (engine.MetricFiniteSteps): a finite sum counts one
// more step, the add that makes it non-finite (a NaN logit, an overflow to
// +Inf) stores the sum it left and counts nothing, and once the sum is
// non-finite the record stays as it was. The trainer names the step where a
// run diverged from it on a backend that reads the loss every few steps.
func MetricsRecord(b engine.Backend) []Result {
	type fused struct {
		op  string
		run func(rows, cols int, d *deviceBufs, z, t, metrics engine.Buffer)
	}
	var kernels []fused
	if k, ok := b.(engine.LossMetricsFuser); ok {
		kernels = append(kernels, fused{"SoftmaxCrossEntropyMetrics", func(rows, cols int, d *deviceBufs, z, t, metrics engine.Buffer) {
			n := rows * cols
			k.SoftmaxCrossEntropyMetrics(rows, cols, 1/float32(rows), z, t, d.put(nans(n)), d.put(nans(n)), d.put(nans(rows)), d.put(nans(rows)), metrics)
		}})
	}
	if k, ok := b.(engine.BiasLossMetricsFuser); ok {
		kernels = append(kernels, fused{"BiasSoftmaxCrossEntropyMetrics", func(rows, cols int, d *deviceBufs, z, t, metrics engine.Buffer) {
			n := rows * cols
			k.BiasSoftmaxCrossEntropyMetrics(rows, cols, 1/float32(rows), z, d.put(make([]float32, cols)), t,
				d.put(nans(n)), d.put(nans(n)), d.put(nans(rows)), d.put(nans(rows)), metrics, d.put(nans(cols)))
		}})
	}
	if k, ok := b.(engine.MetricsAdder); ok {
		kernels = append(kernels, fused{"AddMetrics", func(rows, cols int, d *deviceBufs, z, t, metrics engine.Buffer) {
			n := rows * cols
			probs, loss, correct := d.put(nans(n)), d.put(nans(rows)), d.put(nans(rows))
			b.SoftmaxCrossEntropy(rows, cols, 1/float32(rows), z, t, probs, d.put(nans(n)), loss)
			b.Accuracy(rows, cols, probs, t, correct)
			k.AddMetrics(rows, loss, correct, metrics)
		}})
	}
	const rows, cols = 3, 10
	inf := float32(math.Inf(1))
	cases := []struct {
		name  string
		start [engine.MetricsLen]float32
		// logits changes the batch; after says what the sum must become.
		logits func(z, t []float32)
		after  func(float32) bool
	}{
		{"finite", [engine.MetricsLen]float32{2.5, 7, 3, 0}, func(z, t []float32) {}, finite32},
		{"a NaN logit", [engine.MetricsLen]float32{2.5, 7, 3, 0}, func(z, t []float32) { z[cols+1] = float32(math.NaN()) },
			func(v float32) bool { return v != v }},
		{"overflow to +Inf", [engine.MetricsLen]float32{math.MaxFloat32, 7, 3, 0}, func(z, t []float32) {
			z[(argmax(t[:cols])+1)%cols] = 1e32 // row 0's loss ≈ 1e32, past MaxFloat32's half ulp
		}, func(v float32) bool { return v == inf }},
		{"already non-finite", [engine.MetricsLen]float32{inf, 7, 3, 5}, func(z, t []float32) {}, func(v float32) bool { return v == inf }},
	}
	var out []Result
	for _, k := range kernels {
		for i, c := range cases {
			res := Result{Op: k.op, Shape: fmt.Sprintf("%dx%d, record: %s", rows, cols, c.name), Pass: true}
			r := rand.New(rand.NewPCG(31, uint64(i)))
			z, t := randVec(r, rows*cols, -3, 3), oneHot(r, rows, cols)
			c.logits(z, t)
			d := &deviceBufs{b: b}
			metrics := d.put(append([]float32(nil), c.start[:]...)) // not c.start[:]: cgo refuses a pointer into c, which holds funcs
			k.run(rows, cols, d, d.put(z), d.put(t), metrics)
			got := d.get(metrics, engine.MetricsLen)
			d.free()
			sum := got[engine.MetricLoss]
			want := c.start
			if finite32(sum) {
				want[engine.MetricFiniteSteps]++
			} else if finite32(c.start[engine.MetricLoss]) {
				want[engine.MetricFirstNonFinite] = sum
			}
			switch {
			case !c.after(sum):
				res.Pass, res.Detail = false, fmt.Sprintf("the loss sum is %v after the add: the case tests nothing", sum)
			default:
				if diff := sameBits("record", got[engine.MetricFiniteSteps:], want[engine.MetricFiniteSteps:]); diff != "" {
					res.Pass, res.Detail = false, fmt.Sprintf("from %v the metrics are %v: %s", c.start, got, diff)
				}
			}
			out = append(out, res)
		}
	}
	return out
}

func finite32(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// argmax is the index of v's first maximum.
func argmax(v []float32) int {
	best := 0
	for i := range v {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}
