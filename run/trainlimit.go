package run

import (
	"fmt"

	"mnistgpu/mnist"
)

// checkTrainLimit refuses a --train-limit above the training images data
// holds: it trained on all of them, fewer than asked, and recorded the
// limit as if it had applied. It can be known only once the data is
// loaded, before anything is written or trained. A resumed run is not
// refused: it goes on with the images it trained on.
func checkTrainLimit(cfg Config, data *mnist.Set) error {
	if n := data.Train.Len(); cfg.Data.TrainLimit > n {
		return &ValueError{Flag: "train-limit", Msg: fmt.Sprintf("%d is more than the %d training images of the %s: give at most %d, or 0 for all of them",
			cfg.Data.TrainLimit, n, data.From, n)}
	}
	return nil
}
