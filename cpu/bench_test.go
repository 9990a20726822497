package cpu

import (
	"math/rand/v2"
	"testing"

	"mnistgpu/engine"
)

// BenchmarkTrainStep times one Adam step of each preset at batch 64 on
// random data and reports images per second.
func BenchmarkTrainStep(b *testing.B) {
	for _, name := range engine.PresetNames {
		b.Run(name, func(b *testing.B) {
			m, err := engine.Presets[name].Build()
			if err != nil {
				b.Fatal(err)
			}
			const batch = 64
			if err := m.Compile(New(), engine.CategoricalCrossEntropy, batch); err != nil {
				b.Fatal(err)
			}
			m.Init(1)
			r := rand.New(rand.NewPCG(1, 1))
			x := make([]float32, batch*784)
			for i := range x {
				x[i] = r.Float32()
			}
			t := make([]float32, batch*10)
			for i := 0; i < batch; i++ {
				t[i*10+r.IntN(10)] = 1
			}
			opt := engine.NewAdam(0)
			hb := &engine.HostBatch{X: x, T: t}
			m.TrainStep(opt, hb, 0, batch)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.TrainStep(opt, hb, 0, batch)
			}
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "img/s")
			_, flops := m.FLOPs()
			b.ReportMetric(flops*float64(batch*b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkConv times the report's two convolutions at batch 64, each pass
// separately, in GFLOP/s (2·N·OH·OW·K·R·S·C per pass).
func BenchmarkConv(b *testing.B) {
	be := New()
	r := rand.New(rand.NewPCG(3, 3))
	for _, c := range []struct {
		name                string
		h, w, ch, k, kh, kw int
	}{
		{"conv1_28x28x1_k32", 28, 28, 1, 32, 3, 3},
		{"conv2_14x14x32_k64", 14, 14, 32, 64, 3, 3},
	} {
		p, err := engine.NewConvParams(64, c.h, c.w, c.ch, c.k, c.kh, c.kw, 1, 1, engine.Same)
		if err != nil {
			b.Fatal(err)
		}
		x := Wrap(randSlice(r, p.N*p.H*p.W*p.C))
		w := Wrap(randSlice(r, p.K*p.R*p.S*p.C))
		y := Wrap(make([]float32, p.N*p.OH*p.OW*p.K))
		dx := Wrap(make([]float32, p.N*p.H*p.W*p.C))
		dw := Wrap(make([]float32, p.K*p.R*p.S*p.C))
		for _, pass := range []struct {
			name string
			run  func()
		}{
			{"forward", func() { be.Conv2DForward(p, x, w, y) }},
			{"backward_data", func() { be.Conv2DBackwardData(p, y, w, dx) }},
			{"backward_filter", func() { be.Conv2DBackwardFilter(p, x, y, dw) }},
		} {
			b.Run(c.name+"/"+pass.name, func(b *testing.B) {
				pass.run()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					pass.run()
				}
				b.ReportMetric(p.FLOPs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
