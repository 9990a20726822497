package engine

// SettingError is a backend's refusal of a setting the user gave outside
// Options, such as an environment variable it reads holding a value it does
// not know. It is a usage error (the CLI exits 2 for it, as for a bad
// flag), and "auto" does not fall back to another kind of device past it:
// the setting would then be dropped without a word.
type SettingError struct{ Msg string }

func (e *SettingError) Error() string { return e.Msg }
