//go:build !cuda && !nooracle

// The gorgonia oracle runs in the default build only: with the cuda tag,
// gorgonia compiles its own CUDA support, which needs cuDNN 8 headers. The
// nooracle tag leaves it out of make test-arm64-quick's emulated binary:
// gorgonia's packages would double that target's cold cross-build, and what
// the oracle checks (float64 maths in gorgonia) is the same on every
// architecture.

package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"mnistgpu/engine"
)

// The gorgonia oracle: the report's CNN and MLP built independently in
// gorgonia.org/gorgonia (its Conv2d, MaxPool2D, matmul, log-softmax and
// symbolic gradients, float64, NCHW), loaded with the engine's weights, must
// give the engine's loss and every gradient on the same batch.
//
// Layout translations, which are what this test pins down: gorgonia's conv
// filter is (out, in, kh, kw) where the engine stores (out, kh, kw, in);
// gorgonia's images are NCHW, so before its Flatten the activations are
// transposed to NHWC to match Keras's channels-last flatten order that the
// engine's Dense kernel rows follow.
func TestGorgoniaOracle(t *testing.T) {
	for _, name := range []string{"cnn", "mlp"} {
		t.Run(name, func(t *testing.T) {
			const n = 4
			m := buildCompiled(t, engine.Presets[name], engine.CategoricalCrossEntropy, n)
			m.Init(21)
			r := rand.New(rand.NewPCG(8, 9))
			x := make([]float32, n*784)
			for i := range x {
				x[i] = r.Float32()
			}
			tgt := make([]float32, n*10)
			for i := 0; i < n; i++ {
				tgt[i*10+r.IntN(10)] = 1
			}
			m.ResetMetrics()
			m.TrainStep(&engine.SGD{LR: 0}, engine.HostBatch{X: x, T: tgt}, 0, n)
			lossSum, _ := m.Metrics()
			engLoss := lossSum / n
			engGrad := m.HostGradients()

			g := G.NewGraph()
			xs := G.NewTensor(g, tensor.Float64, 4, G.WithShape(n, 1, 28, 28), G.WithName("x"),
				G.WithValue(tensor.New(tensor.WithShape(n, 1, 28, 28), tensor.WithBacking(widen(x)))))
			ts := G.NewMatrix(g, tensor.Float64, G.WithShape(n, 10), G.WithName("t"),
				G.WithValue(tensor.New(tensor.WithShape(n, 10), tensor.WithBacking(widen(tgt)))))
			w := m.HostWeights()
			var nodes []*G.Node
			var toEngine []func([]float64) []float64 // gorgonia gradient → engine layout
			param := func(p *engine.Param, shape []int, val []float64, back func([]float64) []float64) *G.Node {
				nd := G.NewTensor(g, tensor.Float64, len(shape), G.WithShape(shape...), G.WithName(m.ParamLayer(p).Name()+"."+p.Name),
					G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(val))))
				nodes = append(nodes, nd)
				toEngine = append(toEngine, back)
				return nd
			}
			ps := m.Params()
			off := 0
			next := func(p *engine.Param) []float64 {
				v := widen(w[off : off+p.Size()])
				off += p.Size()
				return v
			}
			var h *G.Node = xs
			pi := 0
			for _, l := range m.Layers {
				switch l := l.(type) {
				case *engine.Conv2D:
					k, c := l.Filters, h.Shape()[1]
					kp, bp := ps[pi], ps[pi+1]
					pi += 2
					filt := param(kp, []int{k, c, 3, 3}, krscToKCRS(next(kp), k, 3, 3, c), func(gv []float64) []float64 { return kcrsToKRSC(gv, k, 3, 3, c) })
					bias := param(bp, []int{1, k, 1, 1}, next(bp), nil)
					h = G.Must(G.Conv2d(h, filt, tensor.Shape{3, 3}, []int{1, 1}, []int{1, 1}, []int{1, 1}))
					h = G.Must(G.BroadcastAdd(h, bias, nil, []byte{0, 2, 3}))
					h = G.Must(G.Rectify(h))
				case *engine.MaxPooling2D:
					h = G.Must(G.MaxPool2D(h, tensor.Shape{2, 2}, []int{0, 0}, []int{2, 2}))
				case *engine.Flatten:
					if h.Shape().Dims() == 4 {
						h = G.Must(G.Transpose(h, 0, 2, 3, 1)) // NCHW → NHWC, Keras's flatten order
					}
					h = G.Must(G.Reshape(h, tensor.Shape{n, h.Shape().TotalSize() / n}))
				case *engine.Dense:
					kp, bp := ps[pi], ps[pi+1]
					pi += 2
					in := h.Shape()[1]
					wn := param(kp, []int{in, l.Units}, next(kp), nil)
					bn := param(bp, []int{1, l.Units}, next(bp), nil)
					h = G.Must(G.BroadcastAdd(G.Must(G.Mul(h, wn)), bn, nil, []byte{0}))
					if l.Activation == engine.ReLU {
						h = G.Must(G.Rectify(h))
					} // the softmax of the last layer is in the loss below
				}
			}
			logp := G.Must(G.LogSoftMax(h))
			cost := G.Must(G.Mean(G.Must(G.Neg(G.Must(G.Sum(G.Must(G.HadamardProd(logp, ts)), 1))))))
			if _, err := G.Grad(cost, nodes...); err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g, G.BindDualValues(nodes...))
			defer vm.Close()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			oracleLoss := cost.Value().Data().(float64)
			t.Logf("loss: engine %.8f, gorgonia %.8f; %d parameter tensors compared", engLoss, oracleLoss, len(nodes))
			if math.Abs(oracleLoss-engLoss) > 1e-5*math.Abs(oracleLoss)+1e-6 {
				t.Errorf("loss: engine %.8f, gorgonia %.8f", engLoss, oracleLoss)
			}
			off = 0
			for i, nd := range nodes {
				gv, err := nd.Grad()
				if err != nil {
					t.Fatal(err)
				}
				got := append([]float64(nil), gv.Data().([]float64)...)
				if toEngine[i] != nil {
					got = toEngine[i](got)
				}
				size := ps[i].Size()
				eng := engGrad[off : off+size]
				off += size
				var scale float64
				for _, v := range got {
					scale = math.Max(scale, math.Abs(v))
				}
				for j := range got {
					if d := math.Abs(float64(eng[j]) - got[j]); d > 1e-4*scale+1e-4*math.Abs(got[j]) {
						t.Fatalf("%s gradient [%d]: engine %g, gorgonia %g (max |g| %g)", nd.Name(), j, eng[j], got[j], scale)
					}
				}
			}
		})
	}
}

func widen(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// krscToKCRS reorders an engine filter (k, r, s, c) to gorgonia's (k, c, r, s).
func krscToKCRS(v []float64, k, r, s, c int) []float64 {
	out := make([]float64, len(v))
	for o := 0; o < k; o++ {
		for i := 0; i < r; i++ {
			for j := 0; j < s; j++ {
				for ch := 0; ch < c; ch++ {
					out[((o*c+ch)*r+i)*s+j] = v[((o*r+i)*s+j)*c+ch]
				}
			}
		}
	}
	return out
}

func kcrsToKRSC(v []float64, k, r, s, c int) []float64 {
	out := make([]float64, len(v))
	for o := 0; o < k; o++ {
		for i := 0; i < r; i++ {
			for j := 0; j < s; j++ {
				for ch := 0; ch < c; ch++ {
					out[((o*r+i)*s+j)*c+ch] = v[((o*c+ch)*r+i)*s+j]
				}
			}
		}
	}
	return out
}
