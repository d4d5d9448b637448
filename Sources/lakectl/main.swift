import LakectlCommands

await Lakectl.launch()
