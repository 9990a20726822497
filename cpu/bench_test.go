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
			m.TrainStep(opt, x, t, batch)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.TrainStep(opt, x, t, batch)
			}
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "img/s")
		})
	}
}
