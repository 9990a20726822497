package run

import (
	"fmt"
	"io"

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

// sayBatchAboveTrainingSet says, in one line on log, that a --batch-size
// above the training images makes each epoch one step of all of them, as
// Keras's fit does in silence: the model line prints the batch size given.
func sayBatchAboveTrainingSet(cfg Config, trainImages int, log io.Writer) {
	if cfg.BatchSize > trainImages && trainImages > 0 {
		fmt.Fprintf(log, "--batch-size %d is more than the %d training images: each epoch is one step of all %d\n", cfg.BatchSize, trainImages, trainImages)
	}
}
