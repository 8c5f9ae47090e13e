resource "null_resource" "old" {}
