package run

import (
	"errors"

	"mnistgpu/mnist"
)

// DataDirError is err, an error reading MNIST from dir (--data-dir; "" for
// none given), as a refusal of --data-dir (exit 2) when dir is not there
// or is no folder, as any flag naming a file that is not there is refused
// ("--data-dir /x: no such folder"). Missing or corrupt files in a folder
// that is there stay errors of the data (exit 1).
func DataDirError(dir string, err error) error {
	var fe *mnist.FolderError
	if dir != "" && errors.As(err, &fe) && fe.Dir == dir {
		return &ValueError{Flag: "data-dir", Msg: err.Error()}
	}
	return err
}
