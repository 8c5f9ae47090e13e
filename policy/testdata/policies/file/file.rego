# data.conftest.file: the checked file's name, as conftest provides it.
package plumb.file

warn contains msg if {
	input.format_version
	msg := sprintf("%s: plan format %s", [data.conftest.file.name, input.format_version])
}
