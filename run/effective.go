package run

// EffectiveLR is the learning rate a run of c starts with: its --lr, or
// the optimizer's Keras default when --lr is not given. A study's plan
// prints it, so that no reader needs to know Keras's defaults.
func (c Config) EffectiveLR() (float64, error) {
	opt, err := c.optimizer()
	if err != nil {
		return 0, err
	}
	return opt.LearningRate(), nil
}
