# The repository's own module, called by its example.
variable "name" {}
resource "null_resource" "n" {}
